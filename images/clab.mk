# images/clab.mk: the virtual switch image and the two-site containerlab lab (README, "Lab").
#   make lab-image   anycastd-switch:latest, offline: cached debootstrap root + FRR + anycastd, docker import
#   make lab         brings images/clab/anycast.clab.yml up (containerlab if installed, else images/clab/run_lab.py)
#   make lab-test    failover scenarios on the lab (brings it up and removes it again unless it was up)
#   make lab-down    removes the lab and stops the docker engine if the lab started it
#   make demo        the two-site story narrated live on its own copy of the lab (DEMO_PAUSE=0: no pauses)
LAB_PYTHON := /usr/bin/python3
LAB_RUN := $(LAB_PYTHON) images/clab/run_lab.py
DEMO_PAUSE ?= 3

.PHONY: lab-deps lab-image lab lab-down lab-test demo

# Debian's docker engine and PyYAML, when missing, on top of the build and test dependencies.
lab-deps: deps
	@for p in docker.io python3-yaml; do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then echo "lab-deps: installing:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; fi

lab-image: lab-deps
	$(MAKE) all
	$(LAB_PYTHON) images/container/build_image.py

lab: lab-deps
	$(MAKE) all
	$(LAB_RUN) up

lab-down:
	$(LAB_RUN) down

lab-test: lab-deps
	$(MAKE) all
	$(LAB_RUN) test

# The README's first command: deps, build, its own copy of the lab (clab-anycastd-demo-*), the story, clean-up.
demo: lab-deps
	$(MAKE) all
	$(LAB_PYTHON) images/clab/demo.py --pause $(DEMO_PAUSE)
