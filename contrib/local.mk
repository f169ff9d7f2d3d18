# Packaging and operation: the daemon's man page, the configuration file,
# service files for systemd and the BSDs, and the Debian/RPM packaging.

dist_man_MANS += doc/kvsd.8

# The configuration is installed only when absent, so that "make install"
# over an existing installation never replaces a site's edited file; it is
# uninstalled only while it is still the shipped one.  Packages install
# into an empty DESTDIR and mark it as a conffile / %config(noreplace).
install-data-local:
	$(MKDIR_P) '$(DESTDIR)$(sysconfdir)'
	@if test -f '$(DESTDIR)$(sysconfdir)/kvsd.conf'; then \
	  echo "$(DESTDIR)$(sysconfdir)/kvsd.conf exists: left unchanged"; \
	else \
	  echo " $(INSTALL_DATA) $(srcdir)/etc/kvsd.conf '$(DESTDIR)$(sysconfdir)/kvsd.conf'"; \
	  $(INSTALL_DATA) $(srcdir)/etc/kvsd.conf '$(DESTDIR)$(sysconfdir)/kvsd.conf'; \
	fi

uninstall-local:
	@if cmp -s $(srcdir)/etc/kvsd.conf '$(DESTDIR)$(sysconfdir)/kvsd.conf'; then \
	  echo " rm -f '$(DESTDIR)$(sysconfdir)/kvsd.conf'"; \
	  rm -f '$(DESTDIR)$(sysconfdir)/kvsd.conf'; \
	fi

# m4/ must exist in the tarball: packages run autoreconf there, and
# aclocal warns about a missing -I directory.
EXTRA_DIST += \
	m4/.keep \
	contrib/systemd/kvsd.service \
	contrib/kvsd.sysusers \
	contrib/kvsd.tmpfiles \
	contrib/kvsd.logrotate \
	contrib/rc.d/kvsd \
	contrib/openbsd/kvsd \
	contrib/build-deb.sh \
	contrib/ci-packages.sh \
	contrib/build-rpm.sh \
	doc/BUILDING.md \
	rpm/kvsd.spec.in \
	rpm/kvsd.spec \
	tests/pkg/check-deb.sh \
	tests/pkg/check-rpm.sh \
	debian/changelog \
	debian/control \
	debian/copyright \
	debian/rules \
	debian/source/format \
	debian/kvsd.docs \
	debian/kvsd.lintian-overrides \
	debian/kvsd.logrotate \
	debian/kvsd.postinst \
	debian/kvsd.postrm \
	debian/kvsd.README.Debian \
	debian/kvsd.service \
	debian/kvsd.tmpfiles

# The side-by-side benchmark (doc/BENCHMARKS.md); a --quick smoke run is
# part of make check.
EXTRA_DIST += contrib/bench/compare doc/BENCHMARKS.md tests/bench-smoke.sh
TESTS += tests/bench-smoke.sh
