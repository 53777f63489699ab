"""Run many `v2s` command lines quickly and safely: import the CLI once, then fork one child per command line,
one at a time (two at once on 2 cores were slower: 76 s against 57 s for the fault suite).

Each child runs `v2s_nb.cli.main(args)` (the code behind the `v2s` script) with its stdout/stderr (file descriptors,
so native libraries' output too) in files; the parent kills a child that runs past the time limit. A crash (a signal)
is recorded as such, so a segfaulting decoder cannot take the test run down with it.

    python tests/fault_runner.py cases.json results.json TIMEOUT_S
cases.json: [{"id": ..., "args": [...], "dir": folder for the child's output files}, ...]
"""
import json, os, signal, sys, time

def _start(case):
    "Fork a child that runs `case`; -> its pid"
    from v2s_nb.cli import main
    d = case['dir']; os.makedirs(d, exist_ok=True)
    pid = os.fork()
    if pid: return pid
    try:                                                           # the child: run the command, exit with its code
        for fd, name in ((1, 'stdout'), (2, 'stderr')):
            f = os.open(os.path.join(d, name), os.O_WRONLY | os.O_CREAT | os.O_TRUNC); os.dup2(f, fd); os.close(f)
        sys.stdout = open(1, 'w', closefd=False); sys.stderr = open(2, 'w', closefd=False)
        rc = main(case['args'])
    except SystemExit as e: rc = e.code if isinstance(e.code, int) else 1
    except BaseException:
        import traceback; traceback.print_exc(); rc = 99
    sys.stdout.flush(); sys.stderr.flush()
    os._exit(rc)


def run_case(case, timeout) -> dict:
    "Run one case in a forked child, killed after `timeout` seconds"
    t0, pid, hung = time.perf_counter(), _start(case), False
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done: break
        if time.perf_counter() - t0 > timeout:
            os.kill(pid, signal.SIGKILL); _, status = os.waitpid(pid, 0); hung = True; break
        time.sleep(0.01)
    read = lambda n: open(os.path.join(case['dir'], n), errors='replace').read() if os.path.exists(os.path.join(case['dir'], n)) else ''
    return dict(id=case['id'], rc=os.waitstatus_to_exitcode(status), hung=hung, seconds=round(time.perf_counter() - t0, 3),
                stdout=read('stdout'), stderr=read('stderr'))

if __name__ == '__main__':
    import v2s_nb.cli, v2s_nb.pipeline                             # imported once, before any fork
    cases, out, timeout = json.load(open(sys.argv[1])), sys.argv[2], float(sys.argv[3])
    json.dump([run_case(c, timeout) for c in cases], open(out, 'w'), indent=1)
