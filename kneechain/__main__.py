"""`python -m kneechain`: the same as the `kneechain` command."""

from kneechain.cli import main

if __name__ == "__main__":
    main()
