"""The editor's debounce: leading edge (the first change after a pause is linted at once), then trailing."""

from __future__ import annotations

from virtlint.lsp.server import VirtlintServer


def _server(monkeypatch) -> tuple[VirtlintServer, list[tuple[str, float]]]:
    server = VirtlintServer()
    scheduled: list[tuple[str, float]] = []

    def schedule(uri: str, delay: float) -> None:
        scheduled.append((uri, delay))
        server.pending[uri] = object()  # type: ignore[assignment]  (a lint is pending until it runs)

    monkeypatch.setattr(server, "schedule", schedule)
    return server, scheduled


def test_first_change_after_a_pause_is_linted_at_once_and_a_burst_once_it_pauses(monkeypatch) -> None:
    server, scheduled = _server(monkeypatch)
    assert server.debounce == 0.15  # the default stays: bursts still collapse into one lint
    assert server.changed("a", now=10.0) == 0.0  # leading edge
    server.pending.clear()  # ... which ran
    assert server.changed("a", now=10.05) == server.debounce  # typing on: trailing edge
    assert server.changed("a", now=10.10) == server.debounce
    server.pending.clear()
    assert server.changed("a", now=10.40) == 0.0  # after a pause: at once again
    assert server.changed("b", now=10.41) == 0.0  # documents are debounced separately
    assert [delay for _, delay in scheduled] == [0.0, 0.15, 0.15, 0.0, 0.0]


def test_a_change_while_a_lint_is_pending_waits_for_the_pause(monkeypatch) -> None:
    server, _ = _server(monkeypatch)
    server.changed("a", now=1.0)
    # the leading lint has not run yet when the next change arrives much later (a busy server)
    assert server.changed("a", now=5.0) == server.debounce


def test_zero_debounce_lints_every_change_at_once(monkeypatch) -> None:
    server, _ = _server(monkeypatch)
    server.debounce = 0
    assert server.changed("a", now=1.0) == 0
    assert server.changed("a", now=1.0) == 0
