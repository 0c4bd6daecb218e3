"""tinytorch.distributed: importable so scripts written for several processes run as one. No process-group backend
(gloo, nccl, mpi) is built, so init_process_group refuses, and the calls that need a group raise torch's error for
a group that was never initialised."""
import enum


class ReduceOp(enum.Enum):
    SUM = "sum"
    AVG = "avg"
    PRODUCT = "product"
    MIN = "min"
    MAX = "max"


class Backend:
    GLOO, NCCL, MPI = "gloo", "nccl", "mpi"


def is_available():
    return False


def is_initialized():
    return False


def is_nccl_available():
    return False


def is_gloo_available():
    return False


def is_mpi_available():
    return False


def is_torchelastic_launched():
    return False


def init_process_group(backend=None, *args, **kwargs):
    raise RuntimeError(f"init_process_group(backend={backend!r}): tinytorch has no distributed backend (gloo, nccl "
                       "or mpi); run the script as a single process without init_process_group")


def _no_group(*args, **kwargs):
    raise ValueError("Default process group has not been initialized, please make sure to call init_process_group.")


# As torch without init_process_group: each of these needs the default group.
get_rank = get_world_size = get_backend = barrier = destroy_process_group = _no_group
all_reduce = all_gather = all_gather_object = broadcast = broadcast_object_list = _no_group
reduce = scatter = gather = reduce_scatter = all_to_all = new_group = _no_group
