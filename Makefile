# rocker: everything goes through make, as in the seed.
#   make TARGET=<triple> release   build + install into install_dir/<triple>/
#   make test                       every test this machine can run
#   make demo                       the README's first command
#   make size                       stripped sizes, every binary x every target, budgets enforced
#   make size-report                where the bytes go (SIZE_TARGET=<triple>, default armv7)
#   make bench                      benchmarks
#   make router                     a 32 MB and a 64 MB mipsel router under QEMU (qemu/run-router.sh)
TARGET  ?= x86_64-unknown-linux-musl
TARGETS := x86_64-unknown-linux-musl aarch64-unknown-linux-musl armv7-unknown-linux-musleabihf \
           mipsel-unknown-linux-musl mips-unknown-linux-musl

include targets/$(TARGET).mk

CARGO     ?= cargo +nightly
BUILD_STD := -Zbuild-std=core -Zbuild-std-features=compiler-builtins-mem
RUST_OUT  := target/$(TARGET)/release
INSTALL   := install_dir/$(TARGET)
# Non-alloc sections rust-lld keeps and `strip = true` does not remove (and
# the .comment that gcc -s leaves in the CLI: 112-204 bytes).
STRIP_ARGS := --strip-all -R .pdr -R .comment -R .mdebug.abi32 -R .gnu.attributes -R .note.GNU-stack

.PHONY: all release rust cli abi test unit demo size size-report bench setup clean header-check router

all: release

setup:
	@scripts/setup.sh

rust:
	$(CARGO) build --release --target $(TARGET) $(BUILD_STD) -p rocker-master --features rocker-master/rt
	$(CARGO) build --release --target $(TARGET) $(BUILD_STD) -p rocker-runtime --features rocker-runtime/rt
	$(CARGO) build --release --target $(TARGET) $(BUILD_STD) -p rocker-abi-tests

include rocker-client-c/rocker.mk

release: rust rocker-c-install
	@mkdir -p $(INSTALL)/bin $(INSTALL)/include $(INSTALL)/libexec
	@for b in rocker-master rocker-runtime; do cp $(RUST_OUT)/$$b $(INSTALL)/bin/$$b.tmp && \
	  $(TARGET_STRIP) $(STRIP_ARGS) $(INSTALL)/bin/$$b.tmp && mv $(INSTALL)/bin/$$b.tmp $(INSTALL)/bin/$$b; done
	@cp $(RUST_OUT)/rocker-abi-tests $(INSTALL)/libexec/ && $(TARGET_STRIP) $(STRIP_ARGS) $(INSTALL)/libexec/rocker-abi-tests
	@cp rocker-client-c/include/rocker.h $(INSTALL)/include/
	@$(TARGET_STRIP) $(STRIP_ARGS) $(INSTALL)/bin/rocker
	@echo "installed into $(INSTALL)/"

# The ABI tests of syscalls/ on this target's own architecture
# (natively or under qemu-<arch>-static).
abi: release
	scripts/run-target.sh $(TARGET) $(INSTALL)/libexec/rocker-abi-tests

size:
	@scripts/size.sh $(TARGETS)

SIZE_TARGET ?= armv7-unknown-linux-musleabihf
size-report:
	@scripts/size-report.sh $(SIZE_TARGET)

test:
	scripts/test.sh

demo:
	scripts/demo.sh

# bench: the peers and the floor on this host, then the two routers under
# QEMU (issue 15: too long for CI's make test with the kernel build).
bench:
	@r=0; scripts/bench.sh || r=1; $(MAKE) -s router || r=1; exit $$r

router:
	@r=0; qemu/run-router.sh 32 || r=1; qemu/run-router.sh 64 || r=1; exit $$r

clean:
	rm -rf target install_dir
