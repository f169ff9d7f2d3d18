EXTRA_DIST += etc/kvsd.conf
