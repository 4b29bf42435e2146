demo:
	bash scripts/demo.sh

test:
	bash scripts/test.sh

.PHONY: demo test
