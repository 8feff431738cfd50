// config-monitor dashboard: plain ES module, no framework, no build step, no network but this
// server (locally) or the dashboard API and the Cognito hosted UI (in AWS, see auth.js). Every
// figure comes from the API's own JSON; untrusted text (rule names, resource ids, annotations) is
// only ever set through textContent, never parsed as HTML.

import { AuthError, startSession } from './auth.js';

const DAY_MS = 86_400_000;
const SVG_NS = 'http://www.w3.org/2000/svg';
const POLL_DELAY_MS = 1_000;
const MAX_POLLS = 120;
const LATEST_LIMIT = 12;
const EVENT_PAGES = 3;

// ------------------------------------------------------------------------------------------------
// Small helpers

/** Creates an element; children are nodes or text (set as text, never as HTML). */
function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'class') node.className = value;
    else node.setAttribute(name, String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function s(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value !== undefined && value !== null) node.setAttribute(name, String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function $(id) {
  return document.getElementById(id);
}

function replace(container, ...nodes) {
  container.replaceChildren(...nodes.flat().filter(Boolean));
}

function empty(title, detail) {
  return h('div', { class: 'empty' }, h('div', {}, h('strong', {}, title), detail));
}

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const oneDecimal = new Intl.NumberFormat('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
const dayLabel = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', timeZone: 'UTC' });
const fullDay = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  timeZone: 'UTC',
});
const stamp = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric',
  month: 'short',
  hour: '2-digit',
  minute: '2-digit',
  timeZone: 'UTC',
  hour12: false,
});

/** The score as the API gives it (2 decimals), or an em dash when there is nothing to score. */
export function formatScore(score) {
  return score === null || score === undefined ? '—' : `${score.toFixed(2)}%`;
}

function band(score) {
  if (score === null || score === undefined) return 'band-none';
  if (score >= 90) return 'band-good';
  if (score >= 75) return 'band-warn';
  return 'band-bad';
}

const BAND_COLOURS = {
  'band-good': '#1a7f4b',
  'band-warn': '#b86a00',
  'band-bad': '#b42318',
  'band-none': '#8a94a3',
};

/** Seconds as the largest sensible unit: 45 min, 3.2 h, 2.4 d. */
export function formatDuration(seconds) {
  if (seconds === null || seconds === undefined) return '—';
  if (seconds < 3_600) return `${Math.max(1, Math.round(seconds / 60))} min`;
  if (seconds < 2 * 86_400) return `${oneDecimal.format(seconds / 3_600)} h`;
  return `${oneDecimal.format(seconds / 86_400)} d`;
}

function ago(iso, now) {
  const seconds = Math.max(0, (now - Date.parse(iso)) / 1000);
  if (seconds < 90) return 'just now';
  if (seconds < 5_400) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 2 * 86_400) return `${Math.round(seconds / 3_600)} h ago`;
  return `${Math.round(seconds / 86_400)} d ago`;
}

function dayOf(day) {
  return Date.parse(`${day}T00:00:00Z`);
}

// ------------------------------------------------------------------------------------------------
// State: the filters live in the URL hash so a view can be linked and reloaded.

function readFilters() {
  const params = new URLSearchParams(location.hash.slice(1));
  const days = Number(params.get('days'));
  return {
    account: params.get('account') ?? '',
    region: params.get('region') ?? '',
    days: [7, 30, 90, 180, 365].includes(days) ? days : 30,
  };
}

function writeFilters(filters) {
  const params = new URLSearchParams();
  if (filters.account) params.set('account', filters.account);
  if (filters.region) params.set('region', filters.region);
  params.set('days', String(filters.days));
  history.replaceState(null, '', `#${params}`);
}

// ------------------------------------------------------------------------------------------------
// API access: 202 answers are polled until the saved query is done.

class ApiProblem extends Error {
  constructor(message, requestId) {
    super(message);
    this.requestId = requestId;
  }
}

// The signed-in session in AWS (auth.js), null locally: then the API is this server's own origin.
let session = null;

/** The URL of an API path (`/events`, or a 202's `poll`, which already holds the stage: `/v1/queries/…`). */
function apiUrl(path, relativeToStage) {
  if (!session) return path;
  return new URL(relativeToStage ? path.replace(/^\//, '') : path, session.apiUrl).href;
}

async function api(path, params = {}) {
  const query = new URLSearchParams(Object.entries(params).filter(([, v]) => v !== '' && v != null));
  let url = apiUrl(query.size > 0 ? `${path}?${query}` : path, true);
  for (let attempt = 0; attempt <= MAX_POLLS; attempt++) {
    const init = { headers: { accept: 'application/json' } };
    const response = await (session ? session.fetch(url, init) : fetch(url, init));
    const body = await response.json().catch(() => ({}));
    if (response.status === 202 && typeof body.poll === 'string') {
      showNotice('A query is still running on the archive; the page fills in when it is done.', 'info');
      url = apiUrl(body.poll, false);
      await new Promise((resolve) => setTimeout(resolve, POLL_DELAY_MS));
      continue;
    }
    if (!response.ok) throw new ApiProblem(body.message ?? `HTTP ${response.status}`, body.request_id);
    return body;
  }
  throw new ApiProblem('the query did not finish in time');
}

function showNotice(text, kind = 'error') {
  const notice = $('notice');
  notice.className = kind === 'info' ? 'notice info' : 'notice';
  notice.textContent = text;
  notice.hidden = false;
}

// ------------------------------------------------------------------------------------------------
// Charts (inline SVG)

/**
 * Line chart of scores per day. `series`: [{ label, values: (number|null)[], colour, width, opacity }].
 * Background bands show the score thresholds (≥ 90 good, ≥ 75 warning).
 */
function lineChart(days, series, size) {
  const width = Math.max(320, Math.round(size.width));
  const height = Math.max(200, Math.round(size.height));
  const m = { top: 12, right: 58, bottom: 26, left: 42 };
  const plotW = width - m.left - m.right;
  const plotH = height - m.top - m.bottom;
  const values = series.flatMap((one) => one.values).filter((v) => v !== null);
  const hi = 100;
  // The floor: 5 points under the lowest score, on a tick, so that 100 and the floor are both labelled.
  const lowest = Math.min(...values);
  const step = hi - (lowest - 5) > 40 ? 20 : 10;
  const lo = Math.max(0, Math.min(hi - 2 * step, Math.floor((lowest - 5) / step) * step));
  const x = (i) => m.left + (days.length <= 1 ? plotW / 2 : (i * plotW) / (days.length - 1));
  const y = (v) => m.top + ((hi - v) * plotH) / (hi - lo);

  const svg = s('svg', {
    viewBox: `0 0 ${width} ${height}`,
    role: 'img',
    'aria-label': 'Compliance score per day',
  });
  const bands = [
    [90, 100, '#e9f6ee'],
    [75, 90, '#fdf5e6'],
    [lo, 75, '#fdf0ee'],
  ];
  for (const [from, to, fill] of bands) {
    const top = Math.max(from, lo);
    if (to <= top) continue;
    svg.append(s('rect', { x: m.left, y: y(to), width: plotW, height: y(top) - y(to), fill }));
  }
  for (let v = lo; v <= hi; v += step) {
    svg.append(
      s('line', { x1: m.left, x2: m.left + plotW, y1: y(v), y2: y(v), stroke: '#dfe3e9', 'stroke-width': 1 }),
      s('text', { x: m.left - 8, y: y(v) + 4, 'text-anchor': 'end' }, `${v}%`),
    );
  }
  const ticks = Math.min(days.length, 7);
  for (let t = 0; t < ticks; t++) {
    const i = ticks === 1 ? 0 : Math.round((t * (days.length - 1)) / (ticks - 1));
    svg.append(
      s(
        'text',
        { x: x(i), y: height - 6, 'text-anchor': 'middle' },
        dayLabel.format(new Date(dayOf(days[i]))),
      ),
    );
  }
  for (const one of series) {
    let d = '';
    let pen = false;
    one.values.forEach((v, i) => {
      if (v === null) {
        pen = false;
        return;
      }
      d += `${pen ? 'L' : 'M'}${x(i).toFixed(1)},${y(v).toFixed(1)}`;
      pen = true;
    });
    if (!d) continue;
    svg.append(
      s('path', {
        d,
        fill: 'none',
        stroke: one.colour,
        'stroke-width': one.width,
        'stroke-opacity': one.opacity ?? 1,
        'stroke-linejoin': 'round',
        'stroke-linecap': 'round',
      }),
    );
  }
  const main = series[series.length - 1];
  if (main) {
    const lastIndex = main.values.findLastIndex((v) => v !== null);
    if (lastIndex >= 0) {
      const v = main.values[lastIndex];
      svg.append(
        s('circle', {
          cx: x(lastIndex),
          cy: y(v),
          r: 4,
          fill: main.colour,
          stroke: '#fff',
          'stroke-width': 2,
        }),
        s('text', { x: x(lastIndex) + 8, y: y(v) + 4, class: 'value-label' }, `${v.toFixed(1)}%`),
      );
      // Hover targets: one invisible column per day with a native tooltip.
      main.values.forEach((value, i) => {
        if (value === null) return;
        const cell = s('rect', {
          x: x(i) - plotW / Math.max(1, days.length - 1) / 2,
          y: m.top,
          width: plotW / Math.max(1, days.length - 1),
          height: plotH,
          fill: 'transparent',
        });
        cell.append(s('title', {}, `${fullDay.format(new Date(dayOf(days[i])))}: ${formatScore(value)}`));
        svg.append(cell);
      });
    }
  }
  return svg;
}

function sparkline(values, colour) {
  const width = 112;
  const height = 26;
  const points = values.map((v, i) => [i, v]).filter(([, v]) => v !== null);
  const svg = s('svg', {
    class: 'spark',
    width,
    height,
    viewBox: `0 0 ${width} ${height}`,
    'aria-hidden': 'true',
  });
  if (points.length < 2) return svg;
  const vs = points.map(([, v]) => v);
  const lo = Math.min(...vs);
  const hi = Math.max(...vs);
  const span = Math.max(hi - lo, 2);
  const x = (i) => 2 + (i * (width - 4)) / Math.max(1, values.length - 1);
  const y = (v) => height - 3 - ((v - lo) * (height - 6)) / span;
  svg.append(
    s('polyline', {
      points: points.map(([i, v]) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' '),
      fill: 'none',
      stroke: colour,
      'stroke-width': 1.6,
      'stroke-linejoin': 'round',
    }),
  );
  const [li, lv] = points[points.length - 1];
  svg.append(s('circle', { cx: x(li), cy: y(lv), r: 2.4, fill: colour }));
  return svg;
}

function hbar(value, max, colour) {
  const width = 160;
  const svg = s('svg', {
    class: 'hbar',
    width: '100%',
    height: 10,
    viewBox: `0 0 ${width} 10`,
    preserveAspectRatio: 'none',
    'aria-hidden': 'true',
  });
  svg.append(s('rect', { x: 0, y: 1, width, height: 8, rx: 4, fill: '#eef0f3' }));
  if (max > 0 && value > 0) {
    svg.append(
      s('rect', { x: 0, y: 1, width: Math.max(4, (value / max) * width), height: 8, rx: 4, fill: colour }),
    );
  }
  return svg;
}

// ------------------------------------------------------------------------------------------------
// Sections

function seriesFor(trends, account) {
  if (account) return trends.accounts.find((a) => a.account === account)?.points ?? [];
  return trends.organization;
}

function renderPeriod(range, trends, filters) {
  const last = new Date(Date.parse(range.end_date) - DAY_MS);
  const scope = [
    filters.account ? `account ${filters.account}` : `${trends.accounts.length} accounts`,
    filters.region ? filters.region : 'all regions',
  ];
  $('period').textContent =
    `${fullDay.format(new Date(range.start_date))} – ${fullDay.format(last)} (UTC) · ${scope.join(' · ')}`;
}

function renderKpis(summary, trends, remediation, filters) {
  const score = summary.compliance_score;
  const kpiScore = $('kpi-score');
  kpiScore.className = `kpi ${band(score)}`;
  kpiScore.querySelector('.kpi-value').textContent = formatScore(score);
  const points = seriesFor(trends, filters.account).filter((p) => p.compliance_score !== null);
  const change = $('kpi-score').querySelector('.kpi-note');
  change.replaceChildren();
  if (points.length >= 2) {
    const first = points[0];
    const delta = points[points.length - 1].compliance_score - first.compliance_score;
    const sign = delta > 0.005 ? '▲' : delta < -0.005 ? '▼' : '■';
    change.append(
      h(
        'span',
        { class: delta > 0.005 ? 'delta-up' : delta < -0.005 ? 'delta-down' : '' },
        `${sign} ${oneDecimal.format(Math.abs(delta))} pts`,
      ),
      ` since ${dayLabel.format(new Date(dayOf(first.day)))}`,
    );
  } else {
    change.textContent = 'as of the end of the range';
  }

  const lastPoint = seriesFor(trends, filters.account).at(-1);
  const open = lastPoint ? lastPoint.non_compliant : null;
  const kpiOpen = $('kpi-open');
  kpiOpen.className = `kpi ${open === null ? '' : open === 0 ? 'band-good' : 'band-bad'}`;
  kpiOpen.querySelector('.kpi-value').textContent = open === null ? '—' : integer.format(open);

  $('kpi-evaluations').querySelector('.kpi-value').textContent = integer.format(summary.total_events);
  $('kpi-evaluations').querySelector('.kpi-note').textContent =
    `${integer.format(summary.non_compliant)} non-compliant · ${integer.format(summary.compliant)} compliant`;

  const remediated = remediation.items.reduce((sum, item) => sum + item.remediated, 0);
  const stillOpen = remediation.items.reduce((sum, item) => sum + item.open_violations, 0);
  $('kpi-remediation').querySelector('.kpi-value').textContent = integer.format(remediated);
  $('kpi-remediation').querySelector('.kpi-note').textContent =
    `in the range · ${integer.format(stillOpen)} open at its end`;
}

function renderTrend(trends, filters) {
  const chart = $('trend-chart');
  const focus = seriesFor(trends, filters.account);
  const byDay = new Map(focus.map((p) => [p.day, p.compliance_score]));
  const mainValues = trends.days.map((day) => byDay.get(day) ?? null);
  if (mainValues.every((v) => v === null)) {
    chartRedraw = null;
    replace(chart, empty('No scored evaluations in this range', 'Pick a longer range or another account.'));
    $('trend-legend').replaceChildren();
    return;
  }
  const context = filters.account
    ? []
    : trends.accounts.map((a) => {
        const m = new Map(a.points.map((p) => [p.day, p.compliance_score]));
        return {
          values: trends.days.map((day) => m.get(day) ?? null),
          colour: '#94a3b8',
          width: 1,
          opacity: 0.45,
        };
      });
  const series = [...context, { values: mainValues, colour: '#2457c5', width: 2.6 }];
  // Drawn at the container's pixel size (no stretched text); redrawn when the page is resized.
  const draw = () => replace(chart, lineChart(trends.days, series, chart.getBoundingClientRect()));
  draw();
  chartRedraw = draw;
  const legend = $('trend-legend');
  legend.replaceChildren(
    h(
      'span',
      {},
      h('i', { class: 'swatch main' }),
      filters.account ? `Account ${filters.account}` : 'Organization',
    ),
  );
  if (context.length > 0) legend.append(h('span', {}, h('i', { class: 'swatch context' }), 'Each account'));
  legend.append(
    h(
      'span',
      { class: 'bands' },
      h('b', { class: 'band-key good' }),
      '≥ 90',
      h('b', { class: 'band-key warn' }),
      '75–90',
      h('b', { class: 'band-key bad' }),
      '< 75',
    ),
  );
}

let chartRedraw = null;
new ResizeObserver(() => chartRedraw?.()).observe(document.getElementById('trend-chart'));

/** Every account of the scope (the account filter aside), the selected one highlighted; a click filters. */
function renderAccounts(trends, selected) {
  const container = $('accounts');
  if (trends.accounts.length === 0) {
    replace(
      container,
      empty('No accounts in this range', 'Events appear here once AWS Config reports evaluations.'),
    );
    return;
  }
  const rows = trends.accounts.map((a) => {
    const last = a.points.at(-1) ?? null;
    const byDay = new Map(a.points.map((p) => [p.day, p.compliance_score]));
    return { account: a.account, last, values: trends.days.map((d) => byDay.get(d) ?? null) };
  });
  // Worst first: the accounts that need attention lead the list.
  rows.sort(
    (a, b) =>
      (a.last?.compliance_score ?? 101) - (b.last?.compliance_score ?? 101) ||
      a.account.localeCompare(b.account),
  );
  const table = h(
    'table',
    {},
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', {}, 'Account'),
        h('th', {}, 'Trend'),
        h('th', { class: 'n' }, 'Open'),
        h('th', { class: 'n' }, 'Score'),
      ),
    ),
    h(
      'tbody',
      {},
      rows.map((row) => {
        const score = row.last?.compliance_score ?? null;
        return h(
          'tr',
          {
            'data-account': row.account,
            class: row.account === selected ? 'selected' : null,
            title: row.account === selected ? 'Show all accounts' : `Show account ${row.account}`,
          },
          h('td', { class: 'mono nowrap' }, row.account),
          h('td', {}, sparkline(row.values, BAND_COLOURS[band(score)])),
          h(
            'td',
            { class: 'n', 'data-field': 'open' },
            row.last ? integer.format(row.last.non_compliant) : '—',
          ),
          h(
            'td',
            { class: 'n' },
            h('span', { class: `pill ${band(score)}`, 'data-field': 'score' }, formatScore(score)),
          ),
        );
      }),
    ),
  );
  replace(container, table);
}

/**
 * Open violations per rule at the end of the range, summed over accounts by base rule name (a
 * conformance-pack rule has a different suffix in every account); ties by name.
 */
export function topRules(remediation, limit = 8) {
  const byRule = new Map();
  for (const item of remediation.items) {
    const name = item.base_rule_name || item.rule_name;
    const entry = byRule.get(name) ?? { rule: name, open: 0, accounts: new Set() };
    entry.open += item.open_violations;
    if (item.open_violations > 0) entry.accounts.add(item.account);
    byRule.set(name, entry);
  }
  return [...byRule.values()]
    .filter((r) => r.open > 0)
    .sort((a, b) => b.open - a.open || (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0))
    .slice(0, limit)
    .map((r) => ({ rule: r.rule, open: r.open, accounts: r.accounts.size }));
}

function renderRules(remediation) {
  const container = $('rules');
  const rules = topRules(remediation);
  if (rules.length === 0) {
    replace(container, empty('No open violations', 'Every violation of the range was remediated.'));
    return;
  }
  const max = rules[0].open;
  replace(
    container,
    h(
      'table',
      {},
      h('thead', {}, h('tr', {}, h('th', {}, 'Rule'), h('th', {}, ''), h('th', { class: 'n' }, 'Open'))),
      h(
        'tbody',
        {},
        rules.map((rule) =>
          h(
            'tr',
            { 'data-rule': rule.rule },
            h(
              'td',
              { class: 'name', title: rule.rule },
              rule.rule,
              h('span', { class: 'sub' }, `${rule.accounts} account${rule.accounts === 1 ? '' : 's'}`),
            ),
            h('td', { class: 'bar' }, hbar(rule.open, max, '#d0453a')),
            h('td', { class: 'n', 'data-field': 'open' }, integer.format(rule.open)),
          ),
        ),
      ),
    ),
  );
}

function renderRemediation(remediation) {
  const container = $('remediation');
  const rows = [...remediation.items]
    .filter((item) => item.remediated > 0)
    .sort(
      (a, b) =>
        (b.p90_seconds ?? -1) - (a.p90_seconds ?? -1) ||
        b.open_violations - a.open_violations ||
        a.rule_name.localeCompare(b.rule_name) ||
        a.account.localeCompare(b.account),
    );
  if (rows.length === 0) {
    replace(container, empty('Nothing remediated in this range', 'No violation was resolved in these days.'));
    return;
  }
  const shown = rows.slice(0, 12);
  const maxP90 = Math.max(...shown.map((r) => r.p90_seconds ?? 0));
  replace(
    container,
    h(
      'table',
      {},
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', {}, 'Rule'),
          h('th', {}, 'Account'),
          h('th', { class: 'n' }, 'Fixed'),
          h('th', { class: 'n' }, 'Median'),
          h('th', { class: 'n' }, 'p90'),
          h('th', {}, ''),
          h('th', { class: 'n' }, 'Open'),
        ),
      ),
      h(
        'tbody',
        {},
        shown.map((item) =>
          h(
            'tr',
            { 'data-rule': item.rule_name, 'data-account': item.account },
            h('td', { class: 'name', title: item.rule_name }, item.base_rule_name || item.rule_name),
            h('td', { class: 'mono nowrap' }, item.account),
            h('td', { class: 'n', 'data-field': 'remediated' }, integer.format(item.remediated)),
            h('td', { class: 'n nowrap', 'data-field': 'median' }, formatDuration(item.median_seconds)),
            h('td', { class: 'n nowrap', 'data-field': 'p90' }, formatDuration(item.p90_seconds)),
            h('td', { class: 'bar' }, hbar(item.p90_seconds ?? 0, maxP90, '#e0a23b')),
            h('td', { class: 'n', 'data-field': 'open' }, integer.format(item.open_violations)),
          ),
        ),
      ),
    ),
    rows.length > shown.length
      ? h('p', { class: 'hint' }, `Slowest ${shown.length} of ${rows.length} rule × account pairs, by p90.`)
      : null,
  );
}

/** Events that entered NON_COMPLIANT (a violation, not a repeat). */
export function isViolation(item) {
  const d = item.detail;
  return (
    d && d.kind === 'compliance-change' && d.newStatus === 'NON_COMPLIANT' && d.oldStatus !== 'NON_COMPLIANT'
  );
}

async function loadLatest(range, filters) {
  const found = [];
  let scanned = 0;
  let next = null;
  for (let page = 0; page < EVENT_PAGES && found.length < LATEST_LIMIT; page++) {
    const body = await api('/events', {
      account: filters.account,
      region: filters.region,
      start_date: range.start_date,
      end_date: range.end_date,
      limit: 500,
      next,
    });
    scanned += body.items.length;
    found.push(...body.items.filter(isViolation));
    next = body.next;
    if (!next) break;
  }
  return { items: found.slice(0, LATEST_LIMIT), scanned };
}

function renderLatest(latest, now) {
  const container = $('latest');
  $('latest-hint').textContent = `newest first · from the ${integer.format(latest.scanned)} latest events`;
  if (latest.items.length === 0) {
    replace(container, empty('No new violations', 'None among the latest events of this range.'));
    return;
  }
  replace(
    container,
    h(
      'table',
      {},
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', {}, 'When'),
          h('th', {}, 'Account'),
          h('th', {}, 'Region'),
          h('th', {}, 'Rule'),
          h('th', {}, 'Resource'),
          h('th', {}, 'Was'),
        ),
      ),
      h(
        'tbody',
        {},
        latest.items.map((item) => {
          const d = item.detail;
          return h(
            'tr',
            { 'data-event': item.id },
            h(
              'td',
              { class: 'nowrap', title: d.eventTime },
              ago(d.eventTime, now),
              h('span', { class: 'sub' }, `${stamp.format(new Date(d.eventTime))} UTC`),
            ),
            h('td', { class: 'mono nowrap' }, item.account),
            h('td', { class: 'nowrap' }, item.region),
            h(
              'td',
              { class: 'name w-rule', title: d.ruleName },
              d.ruleName,
              d.annotation ? h('span', { class: 'sub', title: d.annotation }, d.annotation) : null,
            ),
            h(
              'td',
              { class: 'name w-resource', title: `${d.resourceType} ${d.resourceId}` },
              h('span', { class: 'mono' }, d.resourceId),
              h('span', { class: 'sub' }, d.resourceType),
            ),
            h(
              'td',
              {},
              h(
                'span',
                { class: `status ${d.oldStatus ?? 'NONE'}` },
                d.oldStatus ? d.oldStatus.replace('_', ' ').toLowerCase() : 'new',
              ),
            ),
          );
        }),
      ),
    ),
  );
}

// ------------------------------------------------------------------------------------------------
// Coverage: the last sync's view of the organization (GET /coverage), independent of the filters.

const COVERAGE_SOURCES_SHOWN = 20;
const COVERAGE_ACCOUNTS_SHOWN = 20;
const syncStamp = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  timeZone: 'UTC',
  hour12: false,
});

/** `without_rules` grouped by account (regions sorted), accounts in id order. */
export function groupWithoutRules(withoutRules) {
  const byAccount = new Map();
  for (const { account, region } of withoutRules) {
    byAccount.set(account, [...(byAccount.get(account) ?? []), region]);
  }
  return [...byAccount.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([account, regions]) => ({ account, regions: regions.sort() }));
}

function more(shown, total, noun) {
  return total > shown
    ? h('p', { class: 'hint', 'data-field': 'more' }, `…and ${total - shown} more ${noun}`)
    : null;
}

function renderCoverage(coverage, now) {
  const container = $('coverage');
  if (coverage.last_sync === null) {
    replace(
      container,
      h(
        'div',
        { class: 'empty', 'data-field': 'no-sync' },
        h(
          'p',
          {},
          'No sync yet: run ',
          h('code', {}, 'config-monitor sync --aggregator NAME'),
          ' to read the organization’s current compliance.',
        ),
      ),
    );
    return;
  }
  const when = new Date(coverage.last_sync);
  const facts = h(
    'dl',
    { class: 'coverage-facts' },
    h(
      'div',
      {},
      h('dt', {}, 'Last sync'),
      h(
        'dd',
        { 'data-field': 'last-sync' },
        h('time', { datetime: coverage.last_sync, title: coverage.last_sync }, ago(coverage.last_sync, now)),
        h('span', { class: 'sub', 'data-field': 'last-sync-absolute' }, `${syncStamp.format(when)} UTC`),
      ),
    ),
    h(
      'div',
      {},
      h('dt', {}, 'Sources'),
      h(
        'dd',
        { 'data-field': 'sources' },
        h('span', { class: 'ok' }, `${integer.format(coverage.sources.ok)} ok`),
        ' · ',
        h(
          'span',
          { class: coverage.sources.failed > 0 ? 'bad' : '' },
          `${integer.format(coverage.sources.failed)} failed or outdated`,
        ),
      ),
    ),
  );
  const sentences =
    coverage.summary.length > 0
      ? h(
          'ul',
          { class: 'coverage-summary', 'data-field': 'summary' },
          coverage.summary.map((sentence) => h('li', {}, sentence)),
        )
      : h(
          'p',
          { class: 'coverage-summary good', 'data-field': 'summary' },
          'Every aggregator source is healthy and reports rules.',
        );

  const sources = coverage.unhealthy_sources.slice(0, COVERAGE_SOURCES_SHOWN);
  const sourceList =
    coverage.unhealthy_sources.length === 0
      ? null
      : h(
          'section',
          { class: 'coverage-list' },
          h('h3', {}, 'Sources that failed or are outdated'),
          h(
            'ul',
            { 'data-field': 'unhealthy-sources' },
            sources.map((source) =>
              h(
                'li',
                { 'data-account': source.account, 'data-region': source.region },
                h(
                  'div',
                  { class: 'coverage-where' },
                  h('span', { class: 'mono', 'data-field': 'account' }, source.account),
                  h('span', { 'data-field': 'region' }, source.region),
                  h(
                    'span',
                    { class: `status ${source.status}`, 'data-field': 'status' },
                    source.status.toLowerCase(),
                  ),
                ),
                source.error
                  ? h('p', { class: 'coverage-error', 'data-field': 'error' }, source.error)
                  : null,
                source.last_update_time
                  ? h(
                      'span',
                      { class: 'sub' },
                      `last aggregated ${ago(source.last_update_time, now)} · ${syncStamp.format(new Date(source.last_update_time))} UTC`,
                    )
                  : h('span', { class: 'sub' }, 'never aggregated'),
              ),
            ),
          ),
          more(sources.length, coverage.unhealthy_sources.length, 'sources'),
        );

  const grouped = groupWithoutRules(coverage.without_rules);
  const accounts = grouped.slice(0, COVERAGE_ACCOUNTS_SHOWN);
  const withoutRulesList =
    grouped.length === 0
      ? null
      : h(
          'section',
          { class: 'coverage-list' },
          h('h3', {}, 'Accounts and regions without rules'),
          h(
            'ul',
            { 'data-field': 'without-rules' },
            accounts.map((entry) =>
              h(
                'li',
                { 'data-account': entry.account },
                h('span', { class: 'mono', 'data-field': 'account' }, entry.account),
                h('span', { class: 'coverage-regions', 'data-field': 'regions' }, entry.regions.join(', ')),
              ),
            ),
          ),
          more(accounts.length, grouped.length, 'accounts'),
        );

  replace(
    container,
    h('div', { class: 'coverage-head' }, facts, sentences),
    sourceList || withoutRulesList
      ? h('div', { class: 'coverage-lists' }, sourceList, withoutRulesList)
      : null,
  );
}

/** Coverage loads on its own: a failure shows in its panel and leaves the figures alone. */
async function loadCoverage() {
  try {
    const coverage = await api('/coverage');
    renderCoverage(coverage, Date.now());
    document.body.dataset.coverage = 'loaded';
  } catch (err) {
    const id = err.requestId ? ` (request id ${err.requestId})` : '';
    replace($('coverage'), empty('Could not load the coverage', `${err.message}${id}`));
    document.body.dataset.coverage = 'error';
  }
}

function fillSelect(select, values, selected, allLabel) {
  const current = new Set([...select.options].map((o) => o.value));
  const wanted = ['', ...[...new Set([...values, ...(selected ? [selected] : [])])].sort()];
  if (wanted.length === current.size && wanted.every((v) => current.has(v))) {
    select.value = selected;
    return;
  }
  select.replaceChildren(...wanted.map((v) => h('option', { value: v }, v === '' ? allLabel : v)));
  select.value = selected;
}

// ------------------------------------------------------------------------------------------------
// Load and render

const known = { accounts: new Set(), regions: new Set() };
let generation = 0;

async function load() {
  const filters = readFilters();
  const mine = ++generation;
  const now = Date.now();
  const end = Math.floor(now / DAY_MS) * DAY_MS + DAY_MS;
  const range = {
    start_date: new Date(end - filters.days * DAY_MS).toISOString(),
    end_date: new Date(end).toISOString(),
  };
  const scope = { account: filters.account, region: filters.region, ...range };
  $('main').setAttribute('aria-busy', 'true');
  $('notice').hidden = true;
  try {
    const trendsRequest = api('/compliance/trends', scope);
    const [summary, trends, remediation, latest, allAccounts] = await Promise.all([
      api('/compliance/summary', scope),
      trendsRequest,
      api('/compliance/remediation', scope),
      loadLatest(range, filters),
      // With an account picked, the account list still shows every account for comparison.
      filters.account ? api('/compliance/trends', { ...scope, account: '' }) : trendsRequest,
    ]);
    if (mine !== generation) return;
    for (const a of allAccounts.accounts) known.accounts.add(a.account);
    for (const e of latest.items) known.regions.add(e.region);
    fillSelect($('f-account'), known.accounts, filters.account, 'All accounts');
    fillSelect($('f-region'), known.regions, filters.region, 'All regions');
    $('f-days').value = String(filters.days);
    renderPeriod(range, trends, filters);
    renderKpis(summary, trends, remediation, filters);
    renderTrend(trends, filters);
    renderAccounts(allAccounts, filters.account);
    renderRules(remediation);
    renderRemediation(remediation);
    renderLatest(latest, now);
    $('notice').hidden = true;
    $('updated').textContent = `updated ${stamp.format(new Date(now))} UTC`;
    document.body.dataset.loaded = String(mine);
  } catch (err) {
    if (mine !== generation) return;
    const id = err.requestId ? ` (request id ${err.requestId})` : '';
    showNotice(`Could not load the figures: ${err.message}${id}`);
    document.body.dataset.loaded = `error-${mine}`;
  } finally {
    if (mine === generation) $('main').setAttribute('aria-busy', 'false');
  }
}

async function loadRegions() {
  // Regions seen recently, so the filter offers real choices before any is picked.
  try {
    const body = await api('/events', { limit: 500 });
    for (const item of body.items) known.regions.add(item.region);
    fillSelect($('f-region'), known.regions, readFilters().region, 'All regions');
  } catch {
    // The filter still works with the regions the main load finds.
  }
}

$('accounts').addEventListener('click', (event) => {
  const row = event.target.closest('tr[data-account]');
  if (!row) return;
  const filters = readFilters();
  const account = row.dataset.account === filters.account ? '' : row.dataset.account;
  writeFilters({ ...filters, account });
  load();
});

$('filters').addEventListener('change', () => {
  writeFilters({
    account: $('f-account').value,
    region: $('f-region').value,
    days: Number($('f-days').value),
  });
  load();
});
window.addEventListener('hashchange', load);

/** "Signed in as … · Sign out" in the header (AWS only). */
function renderSession() {
  const link = h('a', { href: session.signOutUrl, 'data-testid': 'sign-out' }, 'Sign out');
  link.addEventListener('click', () => session.signOut());
  const who = session.user ? [h('span', {}, `Signed in as ${session.user}`), ' · '] : [];
  document.querySelector('.top .brand')?.append(h('p', { class: 'session', id: 'session' }, ...who, link));
}

async function start() {
  try {
    session = await startSession();
  } catch (err) {
    // No figures without a session; the link starts a new sign-in (the page without ?code).
    const notice = $('notice');
    notice.className = 'notice';
    notice.replaceChildren(
      `Could not sign in: ${err instanceof AuthError ? err.message : String(err)}. `,
      h('a', { href: '/' }, 'Sign in again'),
    );
    notice.hidden = false;
    $('main').setAttribute('aria-busy', 'false');
    document.body.dataset.loaded = 'error-auth';
    return;
  }
  if (session) renderSession();
  loadRegions();
  loadCoverage();
  load();
}

start();
