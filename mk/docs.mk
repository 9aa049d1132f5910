# The manual page kava(8), made from doc/kava.8.scd with scdoc (Debian: scdoc),
# and the bash completion: built and installed beside the binary.
SCDOC       ?= scdoc
MANDIR      ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions

.PHONY: man install-docs

man: $(BUILD)/kava.8

$(BUILD)/kava.8: doc/kava.8.scd
	@mkdir -p $(@D)
	$(call msg,SCDOC,$@)
	$(Q)$(SCDOC) < $< > $@

install-docs: $(BUILD)/kava.8
	install -D -m 0644 $(BUILD)/kava.8 $(DESTDIR)$(MANDIR)/man8/kava.8
	install -D -m 0644 deploy/bash-completion/kava $(DESTDIR)$(BASHCOMPDIR)/kava

# tests/integration/docs.sh checks the page and the completion against kava --help
check check-integration: $(BUILD)/kava.8
