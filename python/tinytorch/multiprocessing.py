"""torch.multiprocessing's spawn and start_processes (the ImageNet example's one process per device): fn(i,
*args) in nprocs fresh processes, joined; a process that raises makes spawn raise ProcessRaisedException with its
traceback, one that dies ProcessExitedException. Tensors reach the children pickled (by value)."""
import multiprocessing as _mp
import traceback


class ProcessException(Exception):
    def __init__(self, msg, error_index, pid):
        super().__init__(msg)
        self.error_index, self.pid = error_index, pid


class ProcessRaisedException(ProcessException):
    pass


class ProcessExitedException(ProcessException):
    def __init__(self, msg, error_index, pid, exit_code):
        super().__init__(msg, error_index, pid)
        self.exit_code = exit_code


def _wrap(fn, i, args, errors):
    try:
        fn(i, *args)
    except KeyboardInterrupt:
        pass
    except Exception:
        errors.put((i, traceback.format_exc()))
        raise SystemExit(1)


class ProcessContext:
    def __init__(self, processes, errors):
        self.processes, self.error_queue = processes, errors

    def pids(self):
        return [p.pid for p in self.processes]

    def join(self, timeout=None):
        """True once every process has ended; raises for the first that failed (ending the others)."""
        for p in self.processes:
            p.join(timeout)
        if any(p.is_alive() for p in self.processes):
            return False
        failed = next((i for i, p in enumerate(self.processes) if p.exitcode != 0), None)
        if failed is None:
            return True
        for p in self.processes:
            if p.is_alive():
                p.terminate()
        if not self.error_queue.empty():
            index, tb = self.error_queue.get()
            raise ProcessRaisedException(f"\n\n-- Process {index} terminated with the following error:\n{tb}", index,
                                         self.processes[index].pid)
        code = self.processes[failed].exitcode
        raise ProcessExitedException(f"process {failed} terminated with exit code {code}", failed,
                                     self.processes[failed].pid, code)


def start_processes(fn, args=(), nprocs=1, join=True, daemon=False, start_method="spawn"):
    ctx = _mp.get_context(start_method)
    errors = ctx.SimpleQueue()
    processes = []
    for i in range(nprocs):
        p = ctx.Process(target=_wrap, args=(fn, i, tuple(args), errors), daemon=daemon)
        p.start()
        processes.append(p)
    context = ProcessContext(processes, errors)
    if not join:
        return context
    while not context.join():
        pass
    return None


def spawn(fn, args=(), nprocs=1, join=True, daemon=False, start_method="spawn"):
    """torch.multiprocessing.spawn: fn(i, *args) for i in range(nprocs), each in a new (spawned) process."""
    return start_processes(fn, args, nprocs, join, daemon, start_method)
