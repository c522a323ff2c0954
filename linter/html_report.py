"""The fleet placement matrix as one self-contained HTML page (inline CSS and JS, no network access).

Templates by hosts; each cell is green (runs, nothing to say), amber (runs, with warnings) or red (libvirt
would refuse it there), with the findings on hover (title) and on click (a panel under the table). Filters by
rule and by host. Pure: verdicts in, a string out.
"""

from __future__ import annotations

import html
from collections import Counter
from pathlib import Path
from typing import Sequence

from virtlint import __version__
from virtlint.linter.fleet import DomainVerdict, Family, Host, HostVerdict
from virtlint.linter.model import Finding

_CSS = """
:root { --green: #2e7d32; --amber: #b26a00; --red: #c62828; --grey: #9e9e9e; font-family: system-ui, sans-serif; }
body { margin: 1.5rem; color: #1b1b1b; background: #fafafa; }
h1 { font-size: 1.4rem; margin: 0 0 .3rem; }
p.summary { margin: 0 0 1rem; color: #444; }
.filters { display: flex; gap: 1.2rem; align-items: center; margin: 0 0 .8rem; flex-wrap: wrap; }
.filters label { font-size: .9rem; }
table.matrix { border-collapse: collapse; background: #fff; box-shadow: 0 1px 3px rgba(0,0,0,.15); }
.matrix th, .matrix td { border: 1px solid #ddd; padding: .35rem .55rem; text-align: center; font-size: .9rem; }
.matrix th.template { text-align: left; font-weight: 600; white-space: nowrap; }
.matrix thead th { background: #f0f0f0; }
.cell { border: 0; border-radius: 4px; color: #fff; font-weight: 600; min-width: 5.5rem; padding: .3rem .5rem;
        cursor: pointer; font-size: .85rem; }
.cell.green { background: var(--green); } .cell.amber { background: var(--amber); }
.cell.red { background: var(--red); } .cell.na { background: var(--grey); cursor: default; }
.cell.selected { outline: 3px solid #1565c0; outline-offset: 1px; }
.dim .cell { opacity: .25; }
.legend span { display: inline-block; width: .8rem; height: .8rem; border-radius: 2px; margin: 0 .25rem 0 .8rem;
               vertical-align: middle; }
#details { margin-top: 1rem; background: #fff; border-left: 4px solid #1565c0; padding: .6rem 1rem;
           box-shadow: 0 1px 3px rgba(0,0,0,.15); max-width: 70rem; }
#details h2 { font-size: 1rem; margin: .2rem 0 .5rem; }
#details ul { margin: 0; padding-left: 1.2rem; }
#details li { margin: .25rem 0; }
.code { font-family: ui-monospace, monospace; font-weight: 600; }
.sev-error { color: var(--red); } .sev-warning { color: var(--amber); } .sev-info { color: #555; }
.hint { color: #555; font-size: .85rem; }
.advice { background: #fff; padding: .5rem 1rem; margin: 1rem 0; box-shadow: 0 1px 3px rgba(0,0,0,.15);
          max-width: 70rem; font-size: .9rem; }
.hidden { display: none; }
"""

_JS = """
(function () {
  var details = document.getElementById('details');
  var ruleFilter = document.getElementById('rule-filter');
  var hostFilter = document.getElementById('host-filter');
  function show(cell) {
    document.querySelectorAll('.cell.selected').forEach(function (c) { c.classList.remove('selected'); });
    cell.classList.add('selected');
    var source = document.getElementById(cell.getAttribute('data-details'));
    details.innerHTML = source ? source.innerHTML : '';
    details.classList.remove('hidden');
  }
  document.querySelectorAll('button.cell[data-details]').forEach(function (cell) {
    cell.addEventListener('click', function () { show(cell); });
  });
  function apply() {
    var rule = ruleFilter.value, host = hostFilter.value;
    document.querySelectorAll('[data-host]').forEach(function (el) {
      el.classList.toggle('hidden', host !== '' && el.getAttribute('data-host') !== host);
    });
    document.querySelectorAll('td[data-rules]').forEach(function (td) {
      var rules = td.getAttribute('data-rules').split(' ');
      td.classList.toggle('dim', rule !== '' && rules.indexOf(rule) < 0);
    });
    document.querySelectorAll('tr[data-rules]').forEach(function (tr) {
      var rules = tr.getAttribute('data-rules').split(' ');
      tr.classList.toggle('hidden', rule !== '' && rules.indexOf(rule) < 0);
    });
  }
  ruleFilter.addEventListener('change', apply);
  hostFilter.addEventListener('change', apply);
})();
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _finding_line(finding: Finding) -> str:
    hint = f'<div class="hint">{_e(finding.hint)}</div>' if finding.hint else ""
    return (f'<li><span class="code sev-{_e(finding.severity.value)}">{_e(finding.code)}</span> '
            f'{_e(finding.severity.value)}, line {finding.line}: {_e(finding.message)}{hint}</li>')


def _title(cell: HostVerdict | None, fleet: Sequence[Finding] = ()) -> str:
    findings = list(fleet) if cell is None else cell.errors + cell.warnings
    lines = [f"{f.code} line {f.line}: {f.message}" for f in findings]
    if cell is not None and cell.problem:
        lines.insert(0, cell.problem)
    return "\n".join(lines) or "runs, nothing to report"


def render(verdicts: Sequence[DomainVerdict], hosts: Sequence[Host], families: Sequence[Family] = (),
           require: str = "any") -> str:
    names = [host.name for host in hosts]
    rule_counts: Counter[str] = Counter()
    rows, panels = [], []
    for row_index, verdict in enumerate(verdicts):
        by_host = {cell.host.name: cell for cell in verdict.hosts}
        row_rules: set[str] = set()
        cells = []
        template = Path(verdict.path).name
        for column, name in enumerate(names):
            cell = by_host.get(name)
            if cell is None:
                reason = verdict.problem or "not of this host's arch"
                cells.append(f'<td data-host="{_e(name)}" data-rules=""><span class="cell na" title="{_e(reason)}">'
                             f'n/a</span></td>')
                continue
            findings = cell.errors + cell.warnings
            codes = sorted({f.code for f in findings})
            row_rules.update(codes)
            rule_counts.update(codes)
            panel = f"d{row_index}-{column}"
            label = {"green": "runs", "amber": f"{len(cell.warnings)} warning(s)",
                     "red": f"{len(cell.errors)} error(s)" if cell.errors else "cannot check"}[cell.colour]
            cells.append(f'<td data-host="{_e(name)}" data-rules="{_e(" ".join(codes))}">'
                         f'<button type="button" class="cell {cell.colour}" data-details="{panel}" '
                         f'title="{_e(_title(cell))}" aria-label="{_e(template)} on {_e(name)}: {_e(label)}">'
                         f'{_e(label)}</button></td>')
            items = "".join(_finding_line(f) for f in findings)
            if cell.problem:
                items = f"<li>{_e(cell.problem)}</li>" + items
            panels.append(f'<div id="{panel}" class="hidden"><h2>{_e(template)} on {_e(name)}: {_e(label)}</h2>'
                          f'<ul>{items or "<li>runs; nothing to report</li>"}</ul></div>')
        fleet_codes = sorted({f.code for f in verdict.fleet})
        row_rules.update(fleet_codes)
        rule_counts.update(fleet_codes)
        if verdict.fleet:
            panel = f"d{row_index}-fleet"
            fleet_cell = (f'<td data-rules="{_e(" ".join(fleet_codes))}"><button type="button" class="cell amber" '
                          f'data-details="{panel}" title="{_e(_title(None, verdict.fleet))}">migration</button></td>')
            panels.append(f'<div id="{panel}" class="hidden"><h2>{_e(template)} across the fleet</h2><ul>'
                          + "".join(_finding_line(f) for f in verdict.fleet) + "</ul></div>")
        else:
            fleet_cell = '<td data-rules="">&#8212;</td>'
        mark = "ok" if verdict.satisfied(require) else "FAIL"
        problem = f' title="{_e(verdict.problem)}"' if verdict.problem else ""
        rows.append(f'<tr data-rules="{_e(" ".join(sorted(row_rules)))}"><th class="template" scope="row"{problem}>'
                    f'{_e(template)} <small>[{mark}]</small></th>{"".join(cells)}{fleet_cell}</tr>')
    header = "".join(f'<th scope="col" data-host="{_e(name)}">{_e(name)}</th>' for name in names)
    rule_options = "".join(f'<option value="{_e(code)}">{_e(code)} ({count})</option>'
                           for code, count in sorted(rule_counts.items()))
    host_options = "".join(f'<option value="{_e(name)}">{_e(name)}</option>' for name in names)
    passed = sum(v.satisfied(require) for v in verdicts)
    advice = []
    for family in families:
        models = family.cpu.describe()
        extra = "".join(f"<br>newer, with features disabled: <b>{_e(m)}</b> without {_e(', '.join(d))}"
                        for m, d in family.cpu.with_disabled[:3])
        advice.append(f"<div>CPU models every host of {_e(family.label)} ({_e(', '.join(family.hosts))}) can run, "
                      f"newest first: <b>{_e(models)}</b>{extra}</div>")
    advice_html = f'<div class="advice">{"".join(advice)}</div>' if advice else ""
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>virtlint fleet placement</title>
<style>{_CSS}</style>
</head>
<body>
<h1>Which hosts can run which templates</h1>
<p class="summary">{len(verdicts)} template(s) &#215; {len(names)} host(s); {passed} run on {_e(require)} of their hosts.
<span class="legend"><span style="background:var(--green)"></span>runs<span style="background:var(--amber)"></span>runs,
with warnings<span style="background:var(--red)"></span>libvirt would refuse it</span></p>
{advice_html}
<div class="filters">
<label>Rule <select id="rule-filter"><option value="">all rules</option>{rule_options}</select></label>
<label>Host <select id="host-filter"><option value="">all hosts</option>{host_options}</select></label>
<span class="hint">Hover a cell for its findings; click it to list them below.</span>
</div>
<table class="matrix">
<thead><tr><th scope="col">template</th>{header}<th scope="col">fleet</th></tr></thead>
<tbody>
{chr(10).join(rows)}
</tbody>
</table>
<div id="details" class="hidden" aria-live="polite"></div>
{chr(10).join(panels)}
<p class="hint">virtlint {_e(__version__)}</p>
<script>{_JS}</script>
</body>
</html>
"""
