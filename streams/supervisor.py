"""`dementi run`: one command that starts everything on one machine and leaves nothing behind.

Order: dependency check (in a throw-away process, while the broker starts) -> embedded broker
(unless DEMENTI_KAFKA_BOOTSTRAP) -> topics -> `dementi worker`, `dementi stories`, `dementi bot`,
`dementi feeds` as child processes -> (demo) publish the sample articles once the worker is ready,
wait until the console notifier printed the alerts they must raise, then stop everything and exit 0
(streams/demo.py).

Why processes, not tasks in one loop: the worker and the bot are the same programs users run alone
to scale out, and a hung faust shutdown must not be able to hold the bot hostage. Each child runs
in its own process group (so a terminal's Ctrl-C reaches only us and we stop things IN ORDER) and
gets SIGTERM on our death via PR_SET_PDEATHSIG (so even `kill -9` of the supervisor leaves no
orphan). Stop: feeds (the source) -> worker -> stories -> bot (so it can deliver the last alerts) -> broker,
each with SIGTERM to its group, a grace period, then SIGKILL to the group, and a wait on the PID.

A child that dies on its own is logged and EVERYTHING is shut down with exit code 1: restarting
belongs to the service manager (systemd, Kubernetes), which sees the failure that way.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from dementi.settings import Settings
from dementi.streams.broker import die_with_parent
from dementi.streams.demo import DEMO_FILE, DemoPlan, Shown

log = logging.getLogger(__name__)

# Only the bot needs the Telegram token: the worker and the feed poller never see it (nor does the
# broker: streams/broker.py passes it no DEMENTI_* variable at all).
BOT_ONLY_ENV = ("DEMENTI_TELEGRAM_TOKEN",)


def child_environment(name: str, env: dict[str, str]) -> dict[str, str]:
    """The environment of child ``name`` ("worker", "worker-2", "bot", "feeds")."""
    if name == "bot":
        return dict(env)
    return {k: v for k, v in env.items() if k not in BOT_ONLY_ENV}


def enabled_feeds(settings: Settings) -> int:
    from dementi.feeds_file import FeedsConfigError, load_feeds

    try:
        return sum(1 for feed in load_feeds(settings.feeds_file) if feed.enabled)
    except FeedsConfigError as exc:  # missing or broken: the demo runs without `dementi feeds`
        log.warning("cannot read feeds file %s (%s): not starting `dementi feeds`", settings.feeds_file, exc)
        return 0


@dataclass
class Child:
    name: str
    argv: list[str]
    grace: float
    proc: subprocess.Popen | None = field(default=None, repr=False)
    hurry: bool = False  # set by a second Ctrl-C: shorten the grace period of a stop in progress

    def start(self, env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(self.argv, env=env, start_new_session=True, preexec_fn=die_with_parent)
        log.info("started %s (pid %d)", self.name, self.proc.pid)

    def exited(self) -> int | None:
        return None if self.proc is None else self.proc.poll()

    def stop(self) -> None:
        proc = self.proc
        if proc is None:
            return
        pgid = proc.pid  # start_new_session: the child leads its own process group
        if proc.poll() is None:
            _killpg(pgid, signal.SIGTERM)
            start = time.monotonic()
            while proc.poll() is None and time.monotonic() - start < (0.5 if self.hurry else self.grace):
                time.sleep(0.05)
            if proc.poll() is None:
                log.warning("%s (pid %d) did not stop in time; killing it", self.name, proc.pid)
        _killpg(pgid, signal.SIGKILL)  # the leader, if still there, and any process it left in its group
        proc.wait()
        log.info("%s stopped (exit %s)", self.name, proc.returncode)


def _killpg(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


class _CannotStart(Exception):
    """Start-up cannot go on; ``code`` is the exit status of ``dementi run`` (the reason is logged)."""

    def __init__(self, code: int):
        super().__init__(code)
        self.code = code


class Supervisor:
    def __init__(self, settings: Settings, *, demo: bool = False, feeds: bool | None = None,
                 bot: bool = True, child_grace: float = 20.0, ready_timeout: float = 120.0,
                 connect_timeout: float = 60.0, workers: int = 1, demo_timeout: float = 120.0):
        self.connect_timeout = connect_timeout
        self.demo_timeout = demo_timeout
        self.workers = max(1, workers)
        self.settings = settings
        self.demo = demo
        self.feeds = feeds
        self.bot = bot
        self.child_grace = child_grace
        self.ready_timeout = ready_timeout
        self.children: list[Child] = []
        self.broker = None
        self._signal: int | None = None
        self._workdir = Path(tempfile.mkdtemp(prefix="dementi-run-"))
        self.ready_files = [self._workdir / f"worker-{i}.ready" for i in range(1, self.workers + 1)]
        self.shown_file = self._workdir / "shown.tsv"

    # --- signals ------------------------------------------------------------------------------
    def _on_signal(self, signum, frame) -> None:
        if self._signal is not None:  # second Ctrl-C: do not wait for graceful stops
            log.warning("second signal: killing children now")
            for child in self.children:
                child.hurry = True
        self._signal = signum

    # --- lifecycle ----------------------------------------------------------------------------
    def run(self) -> int:
        previous = {s: signal.signal(s, self._on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
        try:
            return self._run()
        except Exception as exc:
            log.error("dementi run failed: %s", exc)
            return 1
        finally:
            self._shutdown()
            for s, handler in previous.items():
                signal.signal(s, handler)

    def _run(self) -> int:
        from dementi.kafka.topics import ensure_topics

        plan = DemoPlan.load() if self.demo else None
        feeds = self.feeds
        if feeds is None:  # the demo is finite: live feeds would only add noise to it
            feeds = not self.demo and enabled_feeds(self.settings) > 0
        roles = ["worker", *(["bot"] if self.bot else []), *(["feeds"] if feeds else [])]
        checking = subprocess.Popen([sys.executable, "-m", "dementi.deps", *roles], stdout=subprocess.DEVNULL,
                                    stderr=subprocess.PIPE, text=True, preexec_fn=die_with_parent,
                                    env=child_environment("deps", dict(os.environ)))
        try:
            bootstrap = self._bootstrap()
            ensure_topics(self.settings, bootstrap)
            _, problem = checking.communicate(timeout=300)
        except _CannotStart as stop:
            return stop.code
        finally:
            if checking.poll() is None:
                checking.kill()
                checking.wait()
        if checking.returncode != 0:
            print(f"dementi: {problem.strip() or f'dependency check failed (exit {checking.returncode})'}",
                  file=sys.stderr, flush=True)
            return 1
        if self.workers > self.settings.topic_partitions:
            log.warning("%d workers for %d partitions: %d will stay idle (partitions = max parallelism)",
                        self.workers, self.settings.topic_partitions, self.workers - self.settings.topic_partitions)
        env = dict(os.environ, DEMENTI_KAFKA_BOOTSTRAP=bootstrap, PYTHONUNBUFFERED="1")
        self._start_children(env, feeds)
        if plan is not None:
            return self._run_demo(plan, bootstrap)
        return self._until_signal()

    def _bootstrap(self) -> str:
        """The broker the children will use: the embedded one, started here, unless
        DEMENTI_KAFKA_BOOTSTRAP names a cluster, which must then answer and accept our client
        options (TLS, SASL). Raises :class:`_CannotStart` with the exit code, the reason logged."""
        from dementi.kafka.options import ClientOptions, KafkaSetupError
        from dementi.kafka.preflight import check_connection

        bootstrap = self.settings.kafka_bootstrap
        if not bootstrap:
            if self.settings.kafka_security_protocol != "PLAINTEXT":
                log.error("the embedded broker speaks PLAINTEXT only: set DEMENTI_KAFKA_BOOTSTRAP to your cluster, "
                          "or unset DEMENTI_KAFKA_SECURITY_PROTOCOL")
                raise _CannotStart(5)
            from dementi.streams.broker import EmbeddedBroker

            self.broker = EmbeddedBroker(log_path=self._workdir / "broker.log", die_with_parent=True).start()
            bootstrap = self.broker.bootstrap
            print(f"dementi: embedded Kafka broker at {bootstrap} "
                  f"(publish with: DEMENTI_KAFKA_BOOTSTRAP={bootstrap} dementi publish FILE.jsonl)",
                  file=sys.stderr, flush=True)
            return bootstrap
        from dementi.kafka.probe import wait_for_broker

        if not wait_for_broker(bootstrap, self.connect_timeout):
            log.error("Kafka broker %s (DEMENTI_KAFKA_BOOTSTRAP) unreachable after %.0fs; unset "
                      "DEMENTI_KAFKA_BOOTSTRAP to use the embedded broker", bootstrap, self.connect_timeout)
            raise _CannotStart(2)
        try:
            check_connection(ClientOptions.from_settings(self.settings, bootstrap))
        except KafkaSetupError as exc:
            log.error("%s", exc)
            raise _CannotStart(5) from None
        return bootstrap

    def _until_signal(self) -> int:
        """Run until SIGINT/SIGTERM (0) or until a child dies on its own (1)."""
        while self._signal is None:
            if self._dead_child() is not None:
                return 1
            time.sleep(0.2)
        log.info("signal %s received: stopping", signal.Signals(self._signal).name)
        return 0

    def _dead_child(self) -> Child | None:
        for child in self.children:
            code = child.exited()
            if code is not None:
                log.error("%s exited unexpectedly (exit %s); shutting everything down", child.name, code)
                return child
        return None

    def _start_children(self, env: dict[str, str], feeds: bool) -> None:
        base = [sys.executable, "-m", "dementi.cli"]
        # Start order = dependency order; stop order is the reverse of the data flow (see _shutdown).
        # The worker's own hard-exit deadline comes before our SIGKILL, so it can log why.
        # Several workers = one consumer group sharing the partitions: the engine is CPU-bound
        # Python, so N processes use N cores.
        worker_grace = f"{max(1.0, self.child_grace * 0.75):.1f}"
        for i, ready in enumerate(self.ready_files, start=1):
            name = "worker" if self.workers == 1 else f"worker-{i}"
            self._spawn(Child(name, [*base, "worker", "--ready-file", str(ready), "--stop-grace", worker_grace],
                              self.child_grace), env)
        # alerts -> stories: what the notifier reads
        stories_grace = f"{max(1.0, self.child_grace * 0.75):.1f}"
        self._spawn(Child("stories", [*base, "stories", "--stop-grace", stories_grace], self.child_grace), env)
        if self.bot:
            # The demo prints on the console even with a token: sample articles are not news to send
            # to real subscribers.
            demo = ["--console", "--shown-file", str(self.shown_file)] if self.demo else []
            self._spawn(Child("bot", [*base, "bot", *demo], self.child_grace), env)
        if feeds:
            self._spawn(Child("feeds", [*base, "feeds"], self.child_grace), env)

    def _spawn(self, child: Child, env: dict[str, str]) -> None:
        self.children.append(child)
        child.start(child_environment(child.name, env))

    def _publish_demo(self, plan: DemoPlan, bootstrap: str) -> bool:
        """Wait for every worker's ready marker, then publish the demo articles. False = give up."""
        from dementi.kafka.options import ClientOptions
        from dementi.kafka.producer import publish_articles

        deadline = time.monotonic() + self.ready_timeout
        workers = [c for c in self.children if c.name.startswith("worker")]
        while not all(ready.exists() for ready in self.ready_files):
            dead = next((w for w in workers if w.exited() is not None), None)
            if self._signal is not None or dead is not None or time.monotonic() > deadline:
                if dead is not None:
                    log.error("%s exited (exit %s) before it was ready", dead.name, dead.exited())
                elif time.monotonic() > deadline:
                    log.error("worker not ready after %.0fs", self.ready_timeout)
                return False
            time.sleep(0.1)
        count = publish_articles(ClientOptions.from_settings(self.settings, bootstrap), self.settings.articles_topic,
                                 plan.articles)
        print(f"dementi: published {count} demo articles from {DEMO_FILE.name}; waiting for the alerts of the "
              f"{len(plan.expected)} state denials/refusals among them (up to {self.demo_timeout:.0f}s)",
              file=sys.stderr, flush=True)
        return True

    def _run_demo(self, plan: DemoPlan, bootstrap: str) -> int:
        """Publish, then wait until the console printed an alert for every expected article: 0 when
        it did, 1 (with the missing articles named) when the deadline passed or a child died."""
        if not self._publish_demo(plan, bootstrap):
            return self._exit_code()
        deadline = time.monotonic() + self.demo_timeout
        while True:
            shown = Shown.read(self.shown_file)
            missing = plan.missing(shown)
            if not missing:
                break
            if self._signal is not None:
                log.info("signal %s received: stopping the demo", signal.Signals(self._signal).name)
                return 0
            if self._dead_child() is not None:
                return 1
            if time.monotonic() > deadline:
                titles = "; ".join(f"{a.title!r} ({a.url})" for a in missing)
                print(f"dementi: demo FAILED: no alert printed within {self.demo_timeout:.0f}s for {len(missing)} of "
                      f"the {len(plan.expected)} articles that must alert: {titles}. Check the worker's log above "
                      "(rules loaded? DEMENTI_RULES_DIR?) and `dementi rules test`.", file=sys.stderr, flush=True)
                return 1
            time.sleep(0.1)
        unexpected = shown.articles - set(plan.expected)
        quiet = ", ".join(a.title for a in plan.quiet if a.id not in unexpected)
        note = (f"; {len(unexpected)} other article(s) alerted too, which the demo does not expect"
                if unexpected else f"; the {len(plan.quiet)} other articles raised none ({quiet})")
        print(f"dementi: demo finished: {shown.alerts} alert(s) printed for the {len(plan.expected)} articles that "
              f"must alert{note}. Stopping. Next: `dementi run` to watch your feeds, or `dementi run --no-feeds` "
              f"and `dementi publish FILE.jsonl`.", file=sys.stderr, flush=True)
        return 0

    def _exit_code(self) -> int:
        return 0 if self._signal is not None else 1

    def _shutdown(self) -> None:
        order = {"feeds": 0, "worker": 1, "stories": 2, "bot": 3}
        for child in sorted(self.children, key=lambda c: order.get(c.name.split("-")[0], 0)):
            try:
                child.stop()
            except Exception as exc:  # keep stopping the others
                log.error("stopping %s failed: %r", child.name, exc)
        if self.broker is not None:
            self.broker.stop()
            log.info("embedded broker stopped")
        shutil.rmtree(self._workdir, ignore_errors=True)
