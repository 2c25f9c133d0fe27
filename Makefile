# The README's commands. Each runs the idempotent set-up first: Debian packages, the libvirt daemons, the venv.
VENV ?= .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin

.PHONY: setup demo test lint bench clean completions install-completions install-man man screenshot

setup:
	@bash scripts/setup.sh all
	@# pip compiles an installed package's bytecode; an editable checkout must do it itself, or every start
	@# recompiles it (PYTHONDONTWRITEBYTECODE is set on these machines).
	@$(PY) -m compileall -q vdbgsh

demo: setup
	$(BIN)/vdbgsh attach --scratch

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# Which stack(s) the suite runs on (scripts/test_stacks.sh): host (QEMU 7.2, libvirt 9.0, Python 3.11), sid (a
# Debian sid chroot built by scripts/chroot.sh beside the host's daemons: QEMU 11.1, libvirt 12.8, Python 3.14; as
# root, ~1 GB and ~75 s the first time) or all. PYTEST_ARGS passes arguments on to pytest on each.
STACK ?= all

test: lint
	@bash scripts/test_stacks.sh $(STACK)

bench: setup
	$(PY) -m bench

# The README's picture of the shell: a real session in tmux on a transient guest, rendered to SVG.
screenshot: setup
	$(PY) scripts/screenshot.py

# The man page (man/vdbgsh.1, written from the argparse parser, the meta-commands and the keys).
man:
	@bash scripts/setup.sh venv
	$(PY) scripts/gen_manpage.py

# Shell completion (completions/, written from the argparse parser). install-completions installs for this user
# where each shell looks (zsh: a directory to add to $fpath); PREFIX=/usr/local or /usr installs for everyone
# instead; DESTDIR stages either. It needs nothing but the shipped files.
completions:
	@bash scripts/setup.sh venv
	$(PY) scripts/gen_completions.py

XDG_DATA_HOME := $(or $(XDG_DATA_HOME),$(HOME)/.local/share)
XDG_CONFIG_HOME := $(or $(XDG_CONFIG_HOME),$(HOME)/.config)
ifdef PREFIX
BASH_COMPLETION_DIR ?= $(PREFIX)/share/bash-completion/completions
ZSH_COMPLETION_DIR ?= $(PREFIX)/share/zsh/site-functions
FISH_COMPLETION_DIR ?= $(PREFIX)/share/fish/vendor_completions.d
else
BASH_COMPLETION_DIR ?= $(or $(BASH_COMPLETION_USER_DIR),$(XDG_DATA_HOME)/bash-completion)/completions
ZSH_COMPLETION_DIR ?= $(XDG_DATA_HOME)/zsh/site-functions
FISH_COMPLETION_DIR ?= $(XDG_CONFIG_HOME)/fish/completions
endif

install-completions:
	install -D -m 0644 completions/vdbgsh.bash "$(DESTDIR)$(BASH_COMPLETION_DIR)/vdbgsh"
	install -D -m 0644 completions/_vdbgsh "$(DESTDIR)$(ZSH_COMPLETION_DIR)/_vdbgsh"
	install -D -m 0644 completions/vdbgsh.fish "$(DESTDIR)$(FISH_COMPLETION_DIR)/vdbgsh.fish"

# The man page: for this user where man looks (~/.local/share/man), or PREFIX/share/man; DESTDIR stages it.
MAN_DIR ?= $(if $(PREFIX),$(PREFIX)/share/man,$(XDG_DATA_HOME)/man)

install-man:
	install -D -m 0644 man/vdbgsh.1 "$(DESTDIR)$(MAN_DIR)/man1/vdbgsh.1"

clean:
	rm -rf $(VENV) .venv-sid .setup .mypy_cache .ruff_cache .pytest_cache .pytest_cache-sid
