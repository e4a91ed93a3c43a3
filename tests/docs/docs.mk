# The docs' diagrams: Graphviz sources docs/diagrams/*.dot, each rendered
# to the .svg beside it, both committed. Included by the top-level Makefile.
#   make docs   regenerate docs/diagrams/*.svg from their .dot sources
# tests/docs/test-docs.sh (run by make test) checks that the SVGs are
# current and that the docs and diagrams are true to the code.

DEB_PACKAGES += graphviz

DOC_DOTS := $(wildcard docs/diagrams/*.dot)

.PHONY: docs
docs:
	@for f in $(DOC_DOTS); do \
	  echo "  DOT     $${f%.dot}.svg"; \
	  bash tests/docs/render.sh "$$f" "$${f%.dot}.svg" || exit 1; \
	done
