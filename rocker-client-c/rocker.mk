# rocker-client-c/rocker.mk -- GNU make fragment for the C side:
# include/rocker.h (header-only client), the `rocker` CLI, the C tests.
#
# Included by the top Makefile (`include rocker-client-c/rocker.mk`), or
# standalone from anywhere:  make -f rocker-client-c/rocker.mk TARGET=<triple> rocker-c
#
# Targets
#   rocker-c              $(ROCKER_C_OUT)/rocker, static, for $(TARGET)
#   rocker-c-install      -> $(ROCKER_C_INSTALL)/bin/rocker, include/rocker.h
#   header-check          rocker.h as C89/C99/C11 (host gcc), C99 + link ($(TARGET_CC)),
#                         C++98/11/17 (host g++ / $(TARGET_CXX)), all -Wall -Wextra -Werror -pedantic
#   rocker-c-test         host unit + fake-server tests (the namespace test needs root)
#   rocker-c-test-target  the same tests built with $(TARGET_CC), run through $(QEMU_USER)
#   rocker-c-size         size of the stripped CLI
#   rocker-c-lean-test    src/lean.c (the CLI's libc stand-ins) against musl, on $(TARGET)
#   rocker-c-clean
#
# Toolchain: $(TARGET_CC) $(TARGET_CFLAGS) $(TARGET_LDFLAGS) from targets/$(TARGET).mk
# (unless the includer already set TARGET_CC); fallback musl-gcc or gcc, -Os -static.

ROCKER_C_DIR  := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))
ROCKER_C_ROOT := $(abspath $(ROCKER_C_DIR)/..)

TARGET ?= x86_64-unknown-linux-musl

ifeq ($(origin TARGET_CC),undefined)
-include $(ROCKER_C_ROOT)/targets/$(TARGET).mk
endif
ifeq ($(origin TARGET_CC),undefined)
TARGET_CC      := $(if $(shell command -v musl-gcc 2>/dev/null),musl-gcc,gcc)
TARGET_CFLAGS  ?= -Os -static -ffunction-sections -fdata-sections
TARGET_LDFLAGS ?= -static -Wl,--gc-sections -s
endif
TARGET_CXX ?= g++
QEMU_USER  ?=

ROCKER_C_OUT     ?= $(ROCKER_C_ROOT)/target/$(TARGET)/c
ROCKER_C_INSTALL ?= $(ROCKER_C_ROOT)/install_dir/$(TARGET)
ROCKER_C_HOSTCC  ?= gcc
ROCKER_C_HOSTCXX ?= g++

ROCKER_C_INC   := $(ROCKER_C_DIR)/include
ROCKER_C_HDR   := $(ROCKER_C_INC)/rocker.h
ROCKER_C_WARN  := -Wall -Wextra -Werror -pedantic
# Size: no unwind tables (C, no exceptions), no separate code page, no RELRO
# padding page (about 4 KB + 3 KB on x86_64; drop the last two if you want RELRO).
# -fno-pie -no-pie: a -static link gives a fixed-address ET_EXEC anyway, so
# Debian gcc's default PIE code only costs (-0.3 KB aarch64 ... -0.8 KB armv7).
# MIPS: -mno-shared -mplt, abicalls code without PIC sequences, direct calls
# (mips -3.5 KB, mipsel -1.9 KB); scripts/musl-mips.sh builds libc.a so too.
ROCKER_C_SIZE_CFLAGS  ?= -fno-asynchronous-unwind-tables -fno-unwind-tables -fno-pie \
                         $(if $(filter mips%,$(TARGET)),-mno-shared -mplt)
ROCKER_C_SIZE_LDFLAGS ?= -Wl,-z,noseparate-code -Wl,-z,norelro -Wl,-z,common-page-size=16 -no-pie

ROCKER_C_TESTS := test_unit test_fake_server test_fake_server_nopidfd
# The toolchain files: a changed compiler or flag rebuilds the target binaries.
ROCKER_C_TOOLCHAIN := $(wildcard $(ROCKER_C_ROOT)/targets/$(TARGET).mk) $(ROCKER_C_DIR)/rocker.mk

.PHONY: rocker-c rocker-c-install header-check rocker-c-test rocker-c-test-target \
        rocker-c-size rocker-c-lean-test rocker-c-clean

rocker-c: $(ROCKER_C_OUT)/rocker

# src/lean.c: smaller stand-ins for musl functions the CLI calls (the CLI
# only; 40 KiB budget, doc/SIZE.md).
$(ROCKER_C_OUT)/rocker: $(ROCKER_C_DIR)/src/rocker.c $(ROCKER_C_DIR)/src/lean.c $(ROCKER_C_HDR) $(ROCKER_C_TOOLCHAIN)
	@mkdir -p $(@D)
	$(TARGET_CC) $(TARGET_CFLAGS) $(ROCKER_C_SIZE_CFLAGS) -std=c99 $(ROCKER_C_WARN) \
	    -I$(ROCKER_C_INC) -o $@ $< $(ROCKER_C_DIR)/src/lean.c $(TARGET_LDFLAGS) $(ROCKER_C_SIZE_LDFLAGS)

rocker-c-install: $(ROCKER_C_OUT)/rocker $(ROCKER_C_OUT)/rocker-probe $(ROCKER_C_OUT)/rocker-appmgr
	install -d $(ROCKER_C_INSTALL)/bin $(ROCKER_C_INSTALL)/include $(ROCKER_C_INSTALL)/libexec
	install -m 0755 $(ROCKER_C_OUT)/rocker $(ROCKER_C_INSTALL)/bin/rocker
	install -m 0644 $(ROCKER_C_HDR) $(ROCKER_C_INSTALL)/include/rocker.h
	install -m 0755 $(ROCKER_C_OUT)/rocker-probe $(ROCKER_C_INSTALL)/libexec/rocker-probe
	install -m 0755 $(ROCKER_C_OUT)/rocker-appmgr $(ROCKER_C_INSTALL)/libexec/rocker-appmgr

# tests/appmgr: an app manager on the seed's API that starts N sandboxes and
# reaps their Apps (the router guest's client without per-sandbox keepers).
$(ROCKER_C_OUT)/rocker-appmgr: $(ROCKER_C_ROOT)/tests/appmgr/appmgr.c $(ROCKER_C_HDR)
	@mkdir -p $(@D)
	$(TARGET_CC) $(TARGET_CFLAGS) -std=c99 -Wall -Wextra -Werror -I$(ROCKER_C_INC) -o $@ $< $(TARGET_LDFLAGS)

# The tests' in-sandbox probe (tests/probe/probe.c): static, for $(TARGET).
$(ROCKER_C_OUT)/rocker-probe: $(ROCKER_C_ROOT)/tests/probe/probe.c
	@mkdir -p $(@D)
	$(TARGET_CC) $(TARGET_CFLAGS) -std=c99 -Wall -Wextra -Werror -o $@ $< $(TARGET_LDFLAGS)

rocker-c-size: $(ROCKER_C_OUT)/rocker
	@stat -c '%s bytes  $(TARGET)  %n' $<

header-check: $(ROCKER_C_HDR) $(ROCKER_C_DIR)/tests/header_check.c $(ROCKER_C_DIR)/tests/header_check.cc
	@mkdir -p $(ROCKER_C_OUT)
	set -e; for std in c89 c99 c11; do \
	    echo "  C   $$std (host)"; \
	    $(ROCKER_C_HOSTCC) -std=$$std $(ROCKER_C_WARN) -I$(ROCKER_C_INC) -fsyntax-only \
	        $(ROCKER_C_DIR)/tests/header_check.c; \
	done
	@echo "  C   c99 + link ($(TARGET_CC))"
	$(TARGET_CC) $(TARGET_CFLAGS) -std=c99 $(ROCKER_C_WARN) -I$(ROCKER_C_INC) \
	    -o $(ROCKER_C_OUT)/header_check $(ROCKER_C_DIR)/tests/header_check.c $(TARGET_LDFLAGS)
	set -e; for std in c++98 c++11 c++17; do \
	    echo "  C++ $$std ($(TARGET_CXX))"; \
	    $(TARGET_CXX) -std=$$std $(ROCKER_C_WARN) -I$(ROCKER_C_INC) -fsyntax-only \
	        $(ROCKER_C_DIR)/tests/header_check.cc; \
	done

# ---- tests ---------------------------------------------------------------------

ROCKER_C_TEST_SRC = $(ROCKER_C_DIR)/tests/tap.h $(ROCKER_C_HDR)

$(ROCKER_C_OUT)/host/test_unit: $(ROCKER_C_DIR)/tests/test_unit.c $(ROCKER_C_TEST_SRC)
	@mkdir -p $(@D)
	$(ROCKER_C_HOSTCC) -O1 -g -std=c99 $(ROCKER_C_WARN) -I$(ROCKER_C_INC) -o $@ $<
$(ROCKER_C_OUT)/host/test_fake_server: $(ROCKER_C_DIR)/tests/test_fake_server.c $(ROCKER_C_TEST_SRC)
	@mkdir -p $(@D)
	$(ROCKER_C_HOSTCC) -O1 -g -std=c99 $(ROCKER_C_WARN) -I$(ROCKER_C_INC) -o $@ $<
$(ROCKER_C_OUT)/host/test_fake_server_nopidfd: $(ROCKER_C_DIR)/tests/test_fake_server.c $(ROCKER_C_TEST_SRC)
	@mkdir -p $(@D)
	$(ROCKER_C_HOSTCC) -O1 -g -std=c99 $(ROCKER_C_WARN) -DROCKER_NO_CLONE_PIDFD -I$(ROCKER_C_INC) -o $@ $<

$(ROCKER_C_OUT)/tgt/test_unit: $(ROCKER_C_DIR)/tests/test_unit.c $(ROCKER_C_TEST_SRC) $(ROCKER_C_TOOLCHAIN)
	@mkdir -p $(@D)
	$(TARGET_CC) $(TARGET_CFLAGS) -std=c99 $(ROCKER_C_WARN) -I$(ROCKER_C_INC) -o $@ $< $(TARGET_LDFLAGS)
$(ROCKER_C_OUT)/tgt/test_fake_server: $(ROCKER_C_DIR)/tests/test_fake_server.c $(ROCKER_C_TEST_SRC) $(ROCKER_C_TOOLCHAIN)
	@mkdir -p $(@D)
	$(TARGET_CC) $(TARGET_CFLAGS) -std=c99 $(ROCKER_C_WARN) -I$(ROCKER_C_INC) -o $@ $< $(TARGET_LDFLAGS)
$(ROCKER_C_OUT)/tgt/test_fake_server_nopidfd: $(ROCKER_C_DIR)/tests/test_fake_server.c $(ROCKER_C_TEST_SRC) $(ROCKER_C_TOOLCHAIN)
	@mkdir -p $(@D)
	$(TARGET_CC) $(TARGET_CFLAGS) -std=c99 $(ROCKER_C_WARN) -DROCKER_NO_CLONE_PIDFD -I$(ROCKER_C_INC) -o $@ $< $(TARGET_LDFLAGS)

$(ROCKER_C_OUT)/tgt/rocker_nopidfd: $(ROCKER_C_DIR)/src/rocker.c $(ROCKER_C_HDR) $(ROCKER_C_TOOLCHAIN)
	@mkdir -p $(@D)
	$(TARGET_CC) $(TARGET_CFLAGS) -std=c99 $(ROCKER_C_WARN) -DROCKER_NO_CLONE_PIDFD -I$(ROCKER_C_INC) -o $@ $< $(TARGET_LDFLAGS)

$(ROCKER_C_OUT)/host/rocker: $(ROCKER_C_DIR)/src/rocker.c $(ROCKER_C_HDR)
	@mkdir -p $(@D)
	$(ROCKER_C_HOSTCC) -O1 -g -std=c99 $(ROCKER_C_WARN) -I$(ROCKER_C_INC) -o $@ $<
$(ROCKER_C_OUT)/host/rocker_nopidfd: $(ROCKER_C_DIR)/src/rocker.c $(ROCKER_C_HDR)
	@mkdir -p $(@D)
	$(ROCKER_C_HOSTCC) -O1 -g -std=c99 $(ROCKER_C_WARN) -DROCKER_NO_CLONE_PIDFD -I$(ROCKER_C_INC) -o $@ $<

# Every test prints TAP-ish lines and a final "N passed, M failed".
# test_fake_server also drives the CLI ($$ROCKER_CLI) against its fake master;
# the _nopidfd test drives a CLI built in the same (pre-5.2 kernel) mode.
rocker-c-test: header-check $(addprefix $(ROCKER_C_OUT)/host/,$(ROCKER_C_TESTS) rocker rocker_nopidfd)
	set -e; for t in $(ROCKER_C_TESTS); do echo "# $$t"; \
	    case $$t in *nopidfd) cli=rocker_nopidfd;; *) cli=rocker;; esac; \
	    ROCKER_CLI=$(ROCKER_C_OUT)/host/$$cli $(ROCKER_C_OUT)/host/$$t; done

# Under qemu-user there are no namespaces and no clone(CLONE_PARENT): the
# fake-server test then skips the cases that start an App (it probes),
# everything else runs as on the target.  As on the host, the _nopidfd test
# drives a CLI built in the same mode.
rocker-c-test-target: $(addprefix $(ROCKER_C_OUT)/tgt/,$(ROCKER_C_TESTS) rocker_nopidfd) $(ROCKER_C_OUT)/rocker
	set -e; for t in $(ROCKER_C_TESTS); do echo "# $$t ($(TARGET))"; \
	    case $$t in *nopidfd) cli=$(ROCKER_C_OUT)/tgt/rocker_nopidfd;; *) cli=$(ROCKER_C_OUT)/rocker;; esac; \
	    ROCKER_CLI=$$cli ROCKER_CLI_RUNNER=$(QEMU_USER) \
	    $(QEMU_USER) $(ROCKER_C_OUT)/tgt/$$t; done

# src/lean.c beside musl's own functions: each function lean.c defines is
# renamed lean_<name> in a copy of its object (the target's objcopy).
ROCKER_C_LEAN_SYMS := strtol strtoul strtoull getcwd setresuid setresgid setgroups fork fcntl socket pipe2 ioctl recvmsg \
                      __udivdi3 __umoddi3 \
                      memcpy memmove memset strlen strcpy memchr strchr getenv execvp
$(ROCKER_C_OUT)/tgt/test_lean: $(ROCKER_C_DIR)/tests/test_lean.c $(ROCKER_C_DIR)/src/lean.c $(ROCKER_C_DIR)/tests/tap.h $(ROCKER_C_TOOLCHAIN)
	@mkdir -p $(@D)
	$(TARGET_CC) $(TARGET_CFLAGS) $(ROCKER_C_SIZE_CFLAGS) -std=c99 $(ROCKER_C_WARN) -c -o $(@D)/lean.o $(ROCKER_C_DIR)/src/lean.c
	$(patsubst %strip,%objcopy,$(or $(TARGET_STRIP),strip)) $(foreach s,$(ROCKER_C_LEAN_SYMS),--redefine-sym $(s)=lean_$(s)) \
	    $(@D)/lean.o $(@D)/lean_renamed.o
	$(TARGET_CC) $(TARGET_CFLAGS) -std=c99 $(ROCKER_C_WARN) -o $@ $< $(@D)/lean_renamed.o $(TARGET_LDFLAGS)

rocker-c-lean-test: $(ROCKER_C_OUT)/tgt/test_lean
	$(QEMU_USER) $<

rocker-c-clean:
	rm -rf $(ROCKER_C_OUT)
