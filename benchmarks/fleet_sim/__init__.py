"""Fleet simulation benchmark: the real planner against simple policies on a simulated fleet.

Entry point: `python benchmarks/fleet_sim.py --help`. Modules: models (hardware table),
workload (requests), engine (discrete-event simulation), policies, scoring (fit), cli.
"""
