EXTRA_DIST += etc/kvsd.conf
dist_man_MANS += doc/kvsd.conf.5
