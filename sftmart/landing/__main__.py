"""`python -m sftmart.landing`: a landing worker (see sftmart.landing.workers)."""

from sftmart.landing.workers import main

main()
