from vdbgsh.cli.main import run

run()
