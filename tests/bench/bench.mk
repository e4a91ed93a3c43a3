# make bench: the cost of running under Pillbox, side by side with bare, in
# Bochs (tests/bench/bench.sh, docs/performance.md). Figures only, not part
# of make test; about 10 minutes (two Linux boots, three short EFI boots).
.PHONY: bench
bench: deps
	@$(MAKE) --no-print-directory all
	@bash tests/bench/bench.sh
