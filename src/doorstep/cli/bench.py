"""``doorstep bench ...``: speed measurements against a baseline taken in the same run."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, Protocol, TypeVar

import typer
from rich.table import Table

from doorstep.bench.resolutions import GOAL_RESOLUTION, RESOLUTIONS
from doorstep.cli.output import console, errors, fail, print_json
from doorstep.errors import DoorstepError

if TYPE_CHECKING:  # each bench's code loads only when that bench runs
    from doorstep.bench.api import ApiBenchResult
    from doorstep.bench.audit import AuditBenchResult
    from doorstep.bench.crypto import CryptoBenchResult
    from doorstep.bench.detect import DetectBenchResult
    from doorstep.bench.edge import EdgeBenchResult
    from doorstep.bench.edge_memory import MemoryResult
    from doorstep.bench.match import MatchBenchResult

app = typer.Typer(help="Measure speed against a baseline run alongside.", no_args_is_help=True)


class _Result(Protocol):
    def as_json(self) -> dict[str, Any]: ...


ResultT = TypeVar("ResultT", bound=_Result)


def _measure(run: Callable[..., ResultT], *, json_output: bool, **options: Any) -> ResultT | None:
    """Run a bench: with --json print its figures and return None; else show live progress."""
    try:
        if json_output:
            print_json(run(**options).as_json())
            return None
        with errors.status("starting") as status:
            return run(**options, progress=lambda line: status.update(line))
    except DoorstepError as exc:
        fail(exc.detail)


@app.command()
def api(
    seconds: Annotated[
        int, typer.Option(help="Seconds of load per target, after a short warm-up.", min=1, max=120)
    ] = 5,
    concurrency: Annotated[
        int, typer.Option(help="Workers sending requests back to back.", min=1, max=256)
    ] = 16,
    json_output: Annotated[
        bool, typer.Option("--json", help="Print the figures as JSON only.")
    ] = False,
) -> None:
    """Requests/s and latency of the hub against a bare Starlette app.

    A throwaway hub (SQLite, a resident with three cameras) and a bare
    Starlette app that returns a constant each run under uvicorn, in their
    own process on 127.0.0.1. One load generator drives, in turn, GET
    /healthz on the baseline, GET /healthz on the hub and an authenticated
    GET /v1/cameras on the hub.

    The ratio is the hub's /healthz requests/s over the baseline's: what
    the hub's framework and middleware cost before any real work.
    Exits 1 if any request failed.
    """
    from doorstep.bench.api import run_api_bench

    result = _measure(
        run_api_bench, json_output=json_output, seconds=seconds, concurrency=concurrency
    )
    if result is not None:
        console.print(_table(result))
        console.print(f"ratio, hub /healthz to baseline requests/s: [bold]{result.ratio:.2f}[/]")
    failed = sum(target.errors for target in result.targets.values()) if result else 0
    if failed:
        fail(f"{failed} requests failed (non-2xx or broken connection); the figures are not clean")


def _table(result: ApiBenchResult) -> Table:
    title = f"doorstep bench api: {result.seconds:g} s per target, {result.concurrency} workers"
    table = Table(title=title)
    for column in ("target", "request", "requests/s", "p50 ms", "p99 ms", "errors"):
        table.add_column(column, justify="left" if column in ("target", "request") else "right")
    for name, target in result.targets.items():
        table.add_row(
            name,
            f"GET {target.path}",
            f"{target.rps:,.0f}",
            f"{target.p50_ms:.2f}",
            f"{target.p99_ms:.2f}",
            str(target.errors),
        )
    return table


@app.command()
def detect(
    scene: Annotated[
        list[str] | None,
        typer.Option(help="Only this scene of the set (repeat for more; default: all 14)."),
    ] = None,
    hog_min_score: Annotated[
        float | None,
        typer.Option(help="HOG's min_score (default: the config's).", min=0, max=1),
    ] = None,
    onnx_model: Annotated[
        Path | None,
        typer.Option(help="Also measure this ONNX person model (nothing is downloaded)."),
    ] = None,
    onnx_layout: Annotated[
        str, typer.Option(help="The ONNX model's output layout: yolo or ssd.")
    ] = "yolo",
    onnx_input_size: Annotated[
        int, typer.Option(help="The ONNX model's square input size.", min=32)
    ] = 640,
    onnx_person_class: Annotated[
        int, typer.Option(help="The ONNX model's class index for a person.", min=0)
    ] = 0,
    onnx_cuda: Annotated[bool, typer.Option(help="Run the ONNX model on CUDA.")] = False,
    redact: Annotated[
        bool, typer.Option(help="Time the blurred twin of a 720p15 clip on one core.")
    ] = True,
    json_output: Annotated[
        bool, typer.Option("--json", help="Print the figures as JSON only.")
    ] = False,
) -> None:
    """Events on the generated evaluation set: each detection signal, then the edge as shipped.

    Fourteen short 640×360 scenes, eight with people (walk-bys at three
    sizes and speeds, one seen from behind, two crossing, one standing at the
    door, a close-up, a walk behind a parked car) and six without (a cat, a dog, a passing car,
    a lighting change, tree shadows, rain), each scanned by the whole edge
    pipeline with motion only (the baseline), HOG, faces, and both. Counts
    missed visits, false events and how much of each visit the events cover;
    the shipped config's run also makes blurred twins and checks every
    labelled face in them is blurred. Scan times are multiples of the decode
    floor, measured in the same run.
    """
    if onnx_layout not in ("yolo", "ssd"):
        fail(f"--onnx-layout is yolo or ssd, not {onnx_layout!r}")
    layout: Literal["yolo", "ssd"] = "ssd" if onnx_layout == "ssd" else "yolo"
    onnx = None
    from doorstep.bench.detect import onnx_config, run_detect_bench

    if onnx_model is not None:
        onnx = onnx_config(
            onnx_model,
            layout=layout,
            input_size=onnx_input_size,
            person_class=onnx_person_class,
            provider="cuda" if onnx_cuda else "cpu",
        )
    result = _measure(
        run_detect_bench,
        json_output=json_output,
        scenes=tuple(scene or ()),
        hog_min_score=hog_min_score,
        onnx=onnx,
        redact=redact,
    )
    if result is None:
        return
    console.print(_detect_table(result))
    chosen = result.chosen
    console.print(
        "chosen (no visit missed, fewest false events): "
        f"[bold]{chosen.signal if chosen else 'none misses no visit'}[/]; "
        f"shipped: [bold]{result.shipped_signal}[/]"
    )
    miss = result.blur.miss_rate
    console.print(
        f"face_blur_miss_rate: {'not measured (no twins)' if miss is None else f'{miss:.4f}'}"
        f" over {result.blur.faces} labelled faces in the twins"
    )
    factor = result.redact_realtime_factor
    console.print(
        f"redact_realtime_factor: {'—' if factor is None else f'{factor:.2f}'}"
        f" ({result.redact_note})"
    )


def _detect_table(result: DetectBenchResult) -> Table:
    table = Table(
        title=f"doorstep bench detect: {len(result.shipped.runs)} scenes at "
        f"{result.width}×{result.height}, {result.fps} fps; decode floor "
        f"{result.floor_seconds:.1f} s"
    )
    columns = (
        "signal",
        "visits",
        "missed",
        "false",
        "extra",
        "coverage",
        "event prec.",
        "det. prec.",
        "det. recall",
        "seconds",
        "× floor",
    )
    for column in columns:
        table.add_column(column, justify="left" if column == "signal" else "right")
    for row in (*result.signals, result.shipped):
        counts = row.detections
        table.add_row(
            row.signal if row is not result.shipped else f"shipped ({result.shipped_signal})",
            str(row.visits),
            str(row.missed_events),
            str(row.false_events),
            str(row.extra_events),
            f"{row.presence_coverage:.2f}",
            f"{row.event_precision:.2f}",
            "—" if counts is None else f"{counts.precision:.2f}",
            "—" if counts is None else f"{counts.recall:.2f}",
            f"{row.seconds:.1f}",
            f"{row.floor_ratio:.1f}",
        )
    table.caption = (
        "missed: visits with no event; false: events on no visit; extra: events beyond one"
        " per visit; coverage: the worst visit's share covered by events. Detection"
        " precision and recall per detection call (— : not recorded). The shipped run"
        " also makes the blurred twins."
    )
    return table


@app.command()
def edge(
    seconds: Annotated[
        float, typer.Option(help="Length of each generated input, in seconds.", min=1, max=600)
    ] = 20.0,
    repeat: Annotated[
        int, typer.Option(help="Runs of each measurement; the median is kept.", min=1, max=20)
    ] = 3,
    resolutions: Annotated[
        str, typer.Option(help=f"Comma-separated, of {', '.join(RESOLUTIONS)}.")
    ] = "720p,1080p",
    json_output: Annotated[
        bool, typer.Option("--json", help="Print the figures as JSON only.")
    ] = False,
) -> None:
    """CPU seconds the camera pipeline spends per second of video, against decoding alone.

    Generates 15 fps H.264 inputs at each resolution: a static street, and
    the same street with people crossing all the time. Measures the
    process's CPU time (every thread) to demux and decode each with PyAV as
    capture does (the floor), and to run the camera pipeline over it, fed by
    capture: idle on the static input, motion on the moving one. Ratios are
    to the floor of the same input; streams per core is 1 / CPU s per s.

    Then peak resident memory (MiB), each in a process of its own: an edge
    process running 2 generated 720p cameras until each records an event,
    less the same with none, per camera (goal ≤ 150); and `doorstep up` on a
    temporary data directory until a demo clip reaches the hub (goal ≤ 600),
    beside `doorstep up --no-edge`. Takes about two minutes more.
    """
    names = tuple(name.strip() for name in resolutions.split(",") if name.strip())
    unknown = [name for name in names if name not in RESOLUTIONS]
    if unknown or not names:
        fail(f"--resolutions takes {', '.join(RESOLUTIONS)}, not {resolutions!r}")
    from doorstep.bench.edge import run_edge_bench

    result = _measure(
        run_edge_bench, json_output=json_output, seconds=seconds, repeat=repeat, resolutions=names
    )
    if result is None:
        return
    console.print(_edge_table(result))
    for what, ratio, goal in result.goals():
        line = (
            f"{what} at {GOAL_RESOLUTION}: {ratio:.2f}× the floor, goal ≤ {goal:g}×: "
            f"{_verdict(ratio <= goal)}"
        )
        console.print(line)
    console.print(_edge_memory_table(result.memory))
    for key, measured, goal in result.memory.goals():
        console.print(f"{key}: {measured:.0f} MB, goal ≤ {goal:g} MB: {_verdict(measured <= goal)}")


def _edge_memory_table(memory: MemoryResult) -> Table:
    from doorstep.bench.edge_memory import CAMERAS

    table = Table(title="doorstep bench edge: peak resident memory, each process on its own")
    table.add_column("process")
    table.add_column("peak RSS MB", justify="right")
    table.add_column("meanwhile")
    events = ", ".join(map(str, memory.camera_events))
    rows = [
        ("edge, no camera", memory.edge_base_mb, "–"),
        (f"edge, {CAMERAS} × {GOAL_RESOLUTION} cameras", memory.edge_mb, f"events {events}"),
        (f"per {GOAL_RESOLUTION} camera", memory.per_camera_mb, "(with − without) / cameras"),
        ("doorstep up --no-edge", memory.up_hub_mb, "until /healthz"),
        ("doorstep up", memory.up_mb, f"until a clip reached the hub ({memory.up_clips})"),
    ]
    for name, mb, note in rows:
        table.add_row(name, f"{mb:.1f}", note)
    table.caption = "MB: MiB of resident memory, the process and its children, at its peak."
    return table


def _edge_table(result: EdgeBenchResult) -> Table:
    title = (
        f"doorstep bench edge: 15 fps H.264, {result.seconds:g} s inputs, median of {result.repeat}"
    )
    table = Table(title=title)
    for column in ("input", "run", "CPU s/s", "× floor", "per core", "CPU/wall", "events"):
        table.add_column(column, justify="left" if column in ("input", "run") else "right")
    for resolution in result.resolutions:
        for scene, run, timing, ratio in resolution.rows():
            table.add_row(
                f"{resolution.name} {scene}",
                run,
                f"{timing.cpu_per_stream_s:.4f}",
                f"{ratio:.2f}",
                f"{timing.streams_per_core:.1f}",
                f"{timing.threads_busy:.2f}",
                str(timing.events) if run.startswith("pipeline") else "–",
            )
        table.add_section()
    table.caption = (
        "CPU s/s: the process's CPU seconds (user + system, every thread) per second of"
        " video; decode is the floor; × floor: to decoding that input alone; per core:"
        " streams one core keeps up with (1 / CPU s/s); CPU/wall: threads busy at once."
    )
    return table


@app.command()
def crypto(
    size_mb: Annotated[
        float, typer.Option(help="Size of the random clip, in MB (10^6 bytes).", min=0.1, max=1000)
    ] = 10.0,
    repeat: Annotated[
        int, typer.Option(help="Runs of each measurement; the median is kept.", min=1, max=100)
    ] = 9,
    openssl_seconds: Annotated[
        int, typer.Option(help="Seconds openssl speed runs the baseline.", min=1, max=60)
    ] = 3,
    key_samples: Annotated[
        int, typer.Option(help="Key fetches timed with and without the check.", min=2)
    ] = 200,
    json_output: Annotated[
        bool, typer.Option("--json", help="Print the figures as JSON only.")
    ] = False,
) -> None:
    """MB/s to seal and open a clip, against SHA-256 of the same clip; a key check's cost.

    Seals a random clip (10 MB, MB = 10^6 bytes) with the clip format
    (64 KiB chunks of AES-256-GCM, SHA-256 of the plaintext signed with
    Ed25519) and opens it again, each after a warm-up, the median of
    --repeat runs. The baseline is SHA-256 of the same clip (hashlib), in
    the same rounds: the format hashes every clip once each way, so it
    bounds both. Also shown: openssl speed -evp aes-256-gcm at
    65536-byte blocks, run first, and cryptography's AESGCM over the same
    chunks.

    The ratio is min(seal, open) over SHA-256's MB/s; the goal is ≥ 0.8.
    Fails in one line if openssl is not on PATH.

    Then a throwaway hub serves one resident's key: the p99 of GET
    /v1/me/key followed by the client's check of its log proof, against
    the p99 of the same fetch alone (--key-samples each); goal ≤ 2.
    """
    from doorstep.bench.crypto import GOAL_RATIO, run_crypto_bench
    from doorstep.bench.keycheck import GOAL_KEY_CHECK_RATIO

    result = _measure(
        run_crypto_bench,
        json_output=json_output,
        size_mb=size_mb,
        repeat=repeat,
        openssl_seconds=openssl_seconds,
        key_samples=key_samples,
    )
    if result is None:
        return
    console.print(_crypto_table(result))
    console.print(
        f"ratio, min(seal, open) to SHA-256: [bold]{result.ratio:.2f}[/],"
        f" goal ≥ {GOAL_RATIO:g}: {_verdict(result.goal_met)}"
    )
    check = result.key_check
    console.print(
        f"key check, p99 of {check.samples}: fetch + proof check {check.key_check_ms:.2f} ms,"
        f" fetch alone {check.plain_fetch_ms:.2f} ms; ratio [bold]{check.ratio:.2f}[/],"
        f" goal ≤ {GOAL_KEY_CHECK_RATIO:g}: {_verdict(check.goal_met)}"
    )


def _crypto_table(result: CryptoBenchResult) -> Table:
    from doorstep.bench.crypto import CHUNK_SIZE, GOAL_RATIO

    title = (
        f"doorstep bench crypto: {result.clip_bytes / 1e6:g} MB clip,"
        f" {CHUNK_SIZE}-byte chunks, median of {result.repeat}"
    )
    table = Table(title=title)
    for column in ("measurement", "what", "MB/s", "× SHA-256"):
        table.add_column(column, justify="left" if column in ("measurement", "what") else "right")
    rows = (
        ("SHA-256", "hashlib over the clip (bounds both)", result.sha256.mb_s),
        ("seal", "seal_part: encrypt, hash, sign", result.seal.mb_s),
        ("open", "open_part: verify, decrypt, hash", result.open.mb_s),
        ("openssl", f"speed -evp aes-256-gcm, {result.openssl_seconds} s", result.openssl_mb_s),
        ("AESGCM", "cryptography, the clip's chunks", result.aesgcm.mb_s),
    )
    for name, what, mb_s in rows:
        share = mb_s / result.sha256.mb_s if result.sha256.mb_s > 0 else 0.0
        table.add_row(name, what, f"{mb_s:,.0f}", f"{share:.2f}")
    table.caption = (
        "MB = 10^6 bytes. Every seal and open hashes the whole clip once (the device signs"
        " its SHA-256), so SHA-256 of the same clip bounds both; goal: the slower"
        f" of seal and open ≥ {GOAL_RATIO:g} × SHA-256."
    )
    return table


@app.command()
def audit(
    entries: Annotated[
        int, typer.Option(help="Entries to fill the log with before measuring.", min=1_000)
    ] = 1_000_000,
    batch: Annotated[
        int, typer.Option(help="Entries per transaction while filling.", min=1, max=10_000)
    ] = 100,
    single: Annotated[
        int, typer.Option(help="Appends one per transaction, after the fill.", min=1)
    ] = 2_000,
    proofs: Annotated[int, typer.Option(help="Inclusion proofs to time.", min=100)] = 2_000,
    backend: Annotated[
        list[str] | None,
        typer.Option(help="sqlite and/or postgresql (repeat the option); default both."),
    ] = None,
    postgres_url: Annotated[
        str, typer.Option(help="A PostgreSQL server; a throwaway schema is made and dropped.")
    ] = "postgresql+psycopg://postgres@127.0.0.1:5432/test",
    json_output: Annotated[
        bool, typer.Option("--json", help="Print the figures as JSON only.")
    ] = False,
) -> None:
    """Appends/s, inclusion-proof latency and full replay time of the audit log.

    On a fresh SQLite file and a throwaway PostgreSQL schema: fills the log
    with --entries entries through the hub's append function (--batch per
    transaction) against a baseline of the same rows into a bare table; then
    --single appends one per transaction; --proofs inclusion proofs at the
    full size (p50, p99); and a full replay from the database as audit
    verify --db does, against reading and hashing the entries alone.
    Goals: ≥ 10,000 appends/s on SQLite, proof p99 < 1 ms, 1M entries
    replayed in < 10 s. A million entries take a few minutes per backend.
    """
    from doorstep.bench.audit import BACKENDS, run_audit_bench

    chosen = tuple(backend or BACKENDS)
    unknown = sorted(set(chosen) - set(BACKENDS))
    if unknown:
        fail(f"--backend is sqlite or postgresql, not {unknown[0]!r}")
    result = _measure(
        run_audit_bench,
        json_output=json_output,
        entries=entries,
        batch=batch,
        single=single,
        proofs=proofs,
        backends=chosen,
        postgres_url=postgres_url,
    )
    if result is not None:
        console.print(_audit_table(result))


def _audit_table(result: AuditBenchResult) -> Table:
    from doorstep.bench.audit import GOAL_APPENDS_PER_S, GOAL_PROOF_P99_MS, GOAL_VERIFY_1M_S

    title = (
        f"doorstep bench audit: {result.entries:,} entries in transactions of {result.batch},"
        f" {result.proofs:,} proofs"
    )
    table = Table(title=title)
    table.add_column("measurement")
    for name in result.backends:
        table.add_column(name, justify="right")
    table.add_column("goal", justify="right")
    rows: list[tuple[str, Callable[[Any], str], str]] = [
        ("appends/s", lambda f: f"{f.appends_per_s:,.0f}", f"≥ {GOAL_APPENDS_PER_S:,} (SQLite)"),
        ("  baseline: bare inserts/s", lambda f: f"{f.baseline_inserts_per_s:,.0f}", ""),
        ("appends/s, one per transaction", lambda f: f"{f.single_appends_per_s:,.0f}", ""),
        ("inclusion proof p50 ms", lambda f: f"{f.proof_p50_ms:.2f}", ""),
        ("inclusion proof p99 ms", lambda f: f"{f.proof_p99_ms:.2f}", f"< {GOAL_PROOF_P99_MS:g}"),
        ("replay s", lambda f: f"{f.verify_s:.2f}", ""),
        ("  baseline: read + hash s", lambda f: f"{f.read_hash_s:.2f}", ""),
        ("replay s per 1M entries", lambda f: f"{f.verify_1m_s:.2f}", f"< {GOAL_VERIFY_1M_S:g}"),
    ]
    for label, cell, goal in rows:
        table.add_row(label, *(cell(f) for f in result.backends.values()), goal)
    missed = [
        f"{name} {goal}"
        for name, figures in result.backends.items()
        for goal, met in figures.goals().items()
        if not met
    ]
    table.caption = "Goals missed: " + ", ".join(missed) if missed else "Every goal met."
    return table


@app.command()
def match(
    backend: Annotated[str, typer.Option(help="sqlite, postgres or both.")] = "both",
    cameras: Annotated[
        str, typer.Option(help="Comma-separated camera counts; a fresh database for each.")
    ] = "100000,1000000",
    requests: Annotated[int, typer.Option(help="Requests to time per database.", min=10)] = 200,
    postgres_url: Annotated[
        str, typer.Option(help="A PostgreSQL server; a throwaway schema is made and dropped.")
    ] = "postgresql+psycopg://postgres@127.0.0.1:5432/test",
    json_output: Annotated[
        bool, typer.Option("--json", help="Print the figures as JSON only.")
    ] = False,
) -> None:
    """Milliseconds to find the homes a request reaches, against one indexed lookup.

    For each backend and camera count: a fresh database filled with homes
    (two cameras each, 1,000 cameras per km²) and one to three clips per
    camera over 30 days; then --requests requests at the limits (0.5 km²
    circles, 12-hour windows) through the hub's match_homes (p50, p99),
    and the baseline: the cameras of one H3 cell by its index (p50, p99).
    Goal: PostgreSQL p99 < 10 ms at 1,000,000 cameras. Filling a million
    cameras takes a few minutes per backend.
    """
    from doorstep.bench.match import BACKENDS, run_match_bench

    chosen = BACKENDS if backend == "both" else (backend,)
    if any(name not in BACKENDS for name in chosen):
        fail(f"--backend is sqlite, postgres or both, not {backend!r}")
    try:
        counts = tuple(int(count.replace("_", "")) for count in cameras.split(",") if count)
    except ValueError:
        fail(f"--cameras takes counts separated by commas, not {cameras!r}")
    if not counts or min(counts) < 100:
        fail(f"--cameras takes counts of at least 100, not {cameras!r}")
    result = _measure(
        run_match_bench,
        json_output=json_output,
        cameras=counts,
        requests=requests,
        backends=chosen,
        postgres_url=postgres_url,
    )
    if result is None:
        return
    console.print(_match_table(result))
    from doorstep.bench.match import GOAL_CAMERAS, GOAL_POSTGRES_P99_MS

    goal = f"PostgreSQL p99 at {GOAL_CAMERAS:,} cameras"
    if result.goal_p99_ms is None:
        console.print(f"{goal}: not measured (goal < {GOAL_POSTGRES_P99_MS:g} ms)")
    else:
        console.print(
            f"{goal}: [bold]{result.goal_p99_ms:.2f} ms[/],"
            f" goal < {GOAL_POSTGRES_P99_MS:g} ms: {_verdict(bool(result.goal_met))}"
        )


def _match_table(result: MatchBenchResult) -> Table:
    from doorstep.bench.match import CAMERAS_PER_KM2, count_label

    title = (
        f"doorstep bench match: {result.requests} requests of 0.5 km² and 12 h,"
        f" {CAMERAS_PER_KM2:,} cameras per km²"
    )
    table = Table(title=title)
    table.add_column("measurement")
    for run in result.runs:
        table.add_column(f"{run.backend} {count_label(run.cameras)}", justify="right")
    rows: list[tuple[str, Callable[[Any], str]]] = [
        ("match p50 ms", lambda run: f"{run.p50_ms:.2f}"),
        ("match p99 ms", lambda run: f"{run.p99_ms:.2f}"),
        ("  baseline p50 ms", lambda run: f"{run.lookup_p50_ms:.3f}"),
        ("  baseline p99 ms", lambda run: f"{run.lookup_p99_ms:.3f}"),
        ("match / baseline, p50", lambda run: f"{run.lookups_per_match:.1f}"),
        ("homes matched", lambda run: f"{run.homes_mean:.1f}"),
        ("cells per cover", lambda run: f"{run.cells_mean:.1f}"),
        ("cameras in the cells", lambda run: f"{run.candidates_mean:.0f}"),
        ("fill s", lambda run: f"{run.fill_s:.1f}"),
    ]
    for label, cell in rows:
        table.add_row(label, *(cell(run) for run in result.runs))
    table.caption = (
        "Match: match_homes for a 64-vertex circle of 0.4993 km² and a 12-hour window."
        " Baseline: one indexed lookup, the cameras of one resolution-10 cell. Homes,"
        " cells and cameras: means per request."
    )
    return table


def _verdict(met: bool) -> str:
    return "[green]met[/]" if met else "[red]not met[/]"
