"""metasim from Python: SimPEG-style meta simulations and a task Pool, run SPMD over MPI.

    mpiexec -n 4 python3 script.py

Every rank runs the script; arrays of the global model and data are the same on every rank.
"""
from ._lib import Error, initialize, rank, size
from .maps import Map, IdentityMap, ProjectionMap, ExpMap, LinearMap, ComposeMap, SumMap, InjectActiveMap, TileMap
from .simulations import LinearSimulation, DCRSimulation, MappedSimulation
from .meta import MetaSimulation, SumMetaSimulation, RepeatedSimulation, SimulationError
from .pool import Pool, TaskFailure

__all__ = ["Error", "initialize", "rank", "size", "Map", "IdentityMap", "ProjectionMap", "ExpMap", "LinearMap",
           "ComposeMap", "SumMap", "InjectActiveMap", "TileMap", "LinearSimulation", "DCRSimulation", "MappedSimulation", "MetaSimulation", "SumMetaSimulation",
           "RepeatedSimulation", "SimulationError", "Pool", "TaskFailure"]

initialize()
