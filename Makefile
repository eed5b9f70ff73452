# Thin aliases for ./dev (which needs nothing but Python 3.11).
.PHONY: run test serve bench lint
run:   ; ./dev run
test:  ; ./dev test
serve: ; ./dev serve
bench: ; ./dev bench
lint:  ; ./dev lint
