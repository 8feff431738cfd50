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
/** Rows of the account panel before its search box takes over (150 accounts stay one screen). */
const ACCOUNTS_SHOWN = 12;
/** Rows of the open-violations table per page, and per request of its CSV download. */
const OPEN_PAGE = 25;
const CSV_PAGE = 500;
/** The CSV download stops after this many pages (100,000 rows) and says so. */
const CSV_MAX_PAGES = 200;
const SORTS = ['open_since', 'severity', 'account', 'region', 'rule', 'resource'];
const SEVERITY_NAMES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL'];

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

/**
 * A table cell with an account id and, below it, its name from the configuration's accounts map
 * (`account_name`, null without one). The name is operator text: a text node, never markup.
 */
function accountCell(attrs, account, name) {
  return h(
    'td',
    attrs,
    account,
    name ? h('span', { class: 'sub', 'data-field': 'account-name' }, name) : null,
  );
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

/** The rule name without a conformance pack's suffix (as src/domain/config-event.ts baseRuleName). */
export function baseRuleName(ruleName) {
  return ruleName.replace(/-conformance-pack-[a-z0-9]+$/, '');
}

/**
 * The filters of the URL hash: `account`, `region`, `days`, `rule` (a base rule name), `severity`,
 * `sort` of the open violations and `resource` (`account|region|type|id`: its timeline is open).
 * Values are kept as given, so a link with a wrong one shows that value and the API's error.
 */
export function readFilters(hash = location.hash) {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const days = Number(params.get('days'));
  const sort = params.get('sort') ?? '';
  const severity = params.get('severity') ?? '';
  return {
    account: params.get('account') ?? '',
    region: params.get('region') ?? '',
    days: [7, 30, 90, 180, 365].includes(days) ? days : 30,
    rule: params.get('rule') ?? '',
    severity: SEVERITY_NAMES.includes(severity) ? severity : '',
    muted: ['true', 'false'].includes(params.get('muted') ?? '') ? params.get('muted') : '',
    sort: SORTS.includes(sort.replace(/^-/, '')) ? sort : '-open_since',
    resource: params.get('resource') ?? '',
  };
}

export function filtersHash(filters) {
  const params = new URLSearchParams();
  if (filters.account) params.set('account', filters.account);
  if (filters.region) params.set('region', filters.region);
  params.set('days', String(filters.days));
  if (filters.rule) params.set('rule', filters.rule);
  if (filters.severity) params.set('severity', filters.severity);
  if (filters.muted) params.set('muted', filters.muted);
  if (filters.sort && filters.sort !== '-open_since') params.set('sort', filters.sort);
  if (filters.resource) params.set('resource', filters.resource);
  return `#${params}`;
}

function writeFilters(filters) {
  history.replaceState(null, '', filtersHash(filters));
}

/** `account|region|type|id` of a resource (the id last: it may hold any character). */
export function resourceRef(account, region, type, id) {
  return [account, region, type, id].join('|');
}

export function parseResourceRef(ref) {
  const parts = ref.split('|');
  if (parts.length < 4) return null;
  const [account, region, type] = parts;
  return { account, region, type, id: parts.slice(3).join('|') };
}

/** What the figures depend on: a change of these reloads them; `resource` only opens a timeline. */
function figuresKey(filters) {
  return JSON.stringify([filters.account, filters.region, filters.days, filters.rule]);
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

/** One CSV page of `path`: its text and the `next` query of its Link header (relative), if any. */
async function apiCsv(path, params) {
  const query = new URLSearchParams(Object.entries(params).filter(([, v]) => v !== '' && v != null));
  const url = apiUrl(`${path}?${query}`, true);
  const init = { headers: { accept: 'text/csv' } };
  const response = await (session ? session.fetch(url, init) : fetch(url, init));
  if (!response.ok) {
    const body = await response.json().catch(() => ({}));
    throw new ApiProblem(body.message ?? `HTTP ${response.status}`, body.request_id);
  }
  const link = response.headers.get('link') ?? '';
  const next = /<\?([^>]*)>;\s*rel="next"/.exec(link);
  return { text: await response.text(), next: next ? new URLSearchParams(next[1]).get('next') : null };
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
  // One date label per 70 px at most: on a phone the labels thin out instead of overlapping.
  const ticks = Math.min(days.length, 7, Math.max(2, Math.floor(plotW / 70)));
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

/**
 * The header: the range and the filters in force, always (also while loading and after an error),
 * so what the page shows is never mistaken for another scope. `accounts` is the number of accounts
 * in the scope once known.
 */
function renderPeriod(range, filters, accounts) {
  const last = new Date(Date.parse(range.end_date) - DAY_MS);
  const scope = [
    filters.account
      ? `account ${filters.account}`
      : accounts === undefined
        ? 'all accounts'
        : `${integer.format(accounts)} account${accounts === 1 ? '' : 's'}`,
    filters.region ? filters.region : 'all regions',
    filters.rule ? `rule ${filters.rule}` : 'all rules',
  ];
  $('period').textContent =
    `${fullDay.format(new Date(range.start_date))} – ${fullDay.format(last)} (UTC) · ${scope.join(' · ')}`;
  const chips = $('scope');
  const active = [
    ['account', filters.account, `Account ${filters.account}`],
    ['region', filters.region, `Region ${filters.region}`],
    ['rule', filters.rule, `Rule ${filters.rule}`],
    ['severity', filters.severity, `Severity ${filters.severity.toLowerCase()}`],
    ['muted', filters.muted, filters.muted === 'true' ? 'Muted only' : 'Not muted'],
  ].filter(([, value]) => value);
  chips.replaceChildren(
    ...active.map(([name, , label]) =>
      h(
        'button',
        { type: 'button', class: 'chip', 'data-clear': name, title: `Remove the ${name} filter` },
        label,
        h('span', { 'aria-hidden': 'true' }, ' ×'),
      ),
    ),
  );
  chips.hidden = active.length === 0;
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
  // The score is per account and region only: with a rule filter it says it is for all rules.
  if (filters.rule) change.append(h('span', { class: 'scope-note' }, ' · all rules'));

  const items = remediation.items.filter((item) => !filters.rule || matchesRule(item, filters.rule));
  let open;
  if (filters.rule) open = items.reduce((sum, item) => sum + item.open_violations, 0);
  else {
    const lastPoint = seriesFor(trends, filters.account).at(-1);
    open = lastPoint ? lastPoint.non_compliant : null;
  }
  const kpiOpen = $('kpi-open');
  kpiOpen.className = `kpi ${open === null ? '' : open === 0 ? 'band-good' : 'band-bad'}`;
  kpiOpen.querySelector('.kpi-value').textContent = open === null ? '—' : integer.format(open);

  const evaluations = filters.rule
    ? Object.entries(summary.by_rule ?? {})
        .filter(([name]) => name === filters.rule || baseRuleName(name) === filters.rule)
        .reduce(
          (sum, [, c]) => ({
            compliant: sum.compliant + c.compliant,
            non_compliant: sum.non_compliant + c.non_compliant,
          }),
          {
            compliant: 0,
            non_compliant: 0,
          },
        )
    : summary;
  $('kpi-evaluations').querySelector('.kpi-value').textContent = integer.format(
    filters.rule ? evaluations.compliant + evaluations.non_compliant : summary.total_events,
  );
  $('kpi-evaluations').querySelector('.kpi-note').textContent =
    `${integer.format(evaluations.non_compliant)} non-compliant · ${integer.format(evaluations.compliant)} compliant`;

  const remediated = items.reduce((sum, item) => sum + item.remediated, 0);
  const stillOpen = items.reduce((sum, item) => sum + item.open_violations, 0);
  $('kpi-remediation').querySelector('.kpi-value').textContent = integer.format(remediated);
  $('kpi-remediation').querySelector('.kpi-note').textContent =
    `in the range · ${integer.format(stillOpen)} open at its end`;
}

/** Whether a remediation item (or a rule name) is of the rule filter: its base name or itself. */
function matchesRule(item, rule) {
  const name = typeof item === 'string' ? item : item.rule_name;
  return name === rule || baseRuleName(name) === rule;
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
  if (filters.rule) legend.append(h('span', { class: 'scope-note' }, 'all rules'));
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

/**
 * Every account of the scope (the account filter aside), worst first; a click filters. With many
 * accounts only the {@link ACCOUNTS_SHOWN} worst (and the selected one) are listed, and a search
 * box finds the others by id.
 */
function renderAccounts(trends, selected, search = '') {
  const container = $('accounts');
  const searchLabel = $('accounts-search-label');
  if (trends.accounts.length === 0) {
    searchLabel.hidden = true;
    replace(
      container,
      empty('No accounts in this range', 'Events appear here once AWS Config reports evaluations.'),
    );
    return;
  }
  const rows = trends.accounts.map((a) => {
    const last = a.points.at(-1) ?? null;
    const byDay = new Map(a.points.map((p) => [p.day, p.compliance_score]));
    return {
      account: a.account,
      name: a.account_name ?? null,
      last,
      values: trends.days.map((d) => byDay.get(d) ?? null),
    };
  });
  // Worst first: the accounts that need attention lead the list.
  rows.sort(
    (a, b) =>
      (a.last?.compliance_score ?? 101) - (b.last?.compliance_score ?? 101) ||
      a.account.localeCompare(b.account),
  );
  const many = rows.length > ACCOUNTS_SHOWN;
  searchLabel.hidden = !many;
  // An id (digits, separators dropped) or a part of the account's name, any case.
  const term = search.trim();
  const digits = term.replace(/\D/g, '');
  const lower = term.toLowerCase();
  const matches = (row) =>
    (digits !== '' && row.account.includes(digits)) ||
    (row.name !== null && lower !== '' && row.name.toLowerCase().includes(lower));
  let shown = rows;
  if (many) {
    shown = term
      ? rows.filter(matches).slice(0, 50)
      : rows.filter((row, i) => i < ACCOUNTS_SHOWN || row.account === selected);
  }
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
        h('th', { class: 'trend-col' }, 'Trend'),
        h('th', { class: 'n' }, 'Open'),
        h('th', { class: 'n' }, 'Score'),
      ),
    ),
    h(
      'tbody',
      {},
      shown.map((row) => {
        const score = row.last?.compliance_score ?? null;
        return h(
          'tr',
          {
            'data-account': row.account,
            class: row.account === selected ? 'selected' : null,
            title: row.account === selected ? 'Show all accounts' : `Show account ${row.account}`,
          },
          accountCell({ class: 'mono nowrap' }, row.account, row.name),
          h('td', { class: 'trend-col' }, sparkline(row.values, BAND_COLOURS[band(score)])),
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
  const note = !many
    ? null
    : term
      ? h(
          'p',
          { class: 'hint', 'data-field': 'more' },
          shown.length === 0
            ? `No account id or name contains ${term}.`
            : `${shown.length} account${shown.length === 1 ? '' : 's'} matching ${term}${shown.length === 50 ? ' (first 50)' : ''}.`,
        )
      : h(
          'p',
          { class: 'hint', 'data-field': 'more' },
          `The ${ACCOUNTS_SHOWN} lowest scores of ${integer.format(rows.length)} accounts; find the others by id or name above.`,
        );
  replace(container, shown.length > 0 ? table : null, note);
}

/**
 * Open violations per rule at the end of the range, summed over accounts by base rule name (a
 * conformance-pack rule has a different suffix in every account); ties by name. `instances` are the
 * deployed names under the base name with their open counts.
 */
export function topRules(remediation, limit = 8) {
  const byRule = new Map();
  for (const item of remediation.items) {
    const name = item.base_rule_name || item.rule_name;
    const entry = byRule.get(name) ?? { rule: name, open: 0, accounts: new Set(), instances: new Map() };
    entry.open += item.open_violations;
    if (item.open_violations > 0) entry.accounts.add(item.account);
    entry.instances.set(item.rule_name, (entry.instances.get(item.rule_name) ?? 0) + item.open_violations);
    byRule.set(name, entry);
  }
  return [...byRule.values()]
    .filter((r) => r.open > 0)
    .sort((a, b) => b.open - a.open || (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0))
    .slice(0, limit)
    .map((r) => ({
      rule: r.rule,
      open: r.open,
      accounts: r.accounts.size,
      instances: [...r.instances.entries()]
        .filter(([, n]) => n > 0)
        .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
        .map(([name, open]) => ({ name, open })),
    }));
}

/** A rule name that filters the page to its base rule when clicked. */
function ruleButton(ruleName, extraTitle) {
  const base = baseRuleName(ruleName);
  return h(
    'button',
    {
      type: 'button',
      class: 'link rule-link',
      'data-rule-filter': base,
      title: `${extraTitle ? `${extraTitle} · ` : ''}Show only ${base}`,
    },
    base,
  );
}

/** Conformance-pack instances of a base rule, on hover (title) and in an expandable list. */
function instancesOf(instances) {
  const packs = instances.filter((i) => i.name !== baseRuleName(i.name) || instances.length > 1);
  if (packs.length === 0) return null;
  return h(
    'details',
    { class: 'instances', 'data-field': 'instances' },
    h(
      'summary',
      { title: packs.map((i) => i.name).join('\n') },
      `${packs.length} instance${packs.length === 1 ? '' : 's'}`,
    ),
    h(
      'ul',
      {},
      packs.map((i) =>
        h(
          'li',
          { 'data-instance': i.name },
          h('span', { class: 'mono' }, i.name),
          ` · ${integer.format(i.open)}`,
        ),
      ),
    ),
  );
}

function renderRules(remediation, filters) {
  const container = $('rules');
  const rules = topRules(remediation).filter((rule) => !filters.rule || rule.rule === filters.rule);
  if (rules.length === 0) {
    replace(
      container,
      filters.rule
        ? empty(`No open violation of ${filters.rule}`, 'At the end of the range, in this scope.')
        : empty(
            'No open violations',
            'At the end of the range, every evaluated pair of this scope is compliant.',
          ),
    );
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
            { 'data-rule': rule.rule, class: rule.rule === filters.rule ? 'selected' : null },
            h(
              'td',
              { class: 'name', title: rule.instances.map((i) => i.name).join('\n') || rule.rule },
              ruleButton(rule.rule),
              h('span', { class: 'sub' }, `${rule.accounts} account${rule.accounts === 1 ? '' : 's'}`),
              instancesOf(rule.instances),
            ),
            h('td', { class: 'bar' }, hbar(rule.open, max, '#d0453a')),
            h('td', { class: 'n', 'data-field': 'open' }, integer.format(rule.open)),
          ),
        ),
      ),
    ),
  );
}

function renderRemediation(remediation, filters) {
  const container = $('remediation');
  const rows = remediationOrder(
    remediation.items.filter(
      (item) => item.remediated > 0 && (!filters.rule || matchesRule(item, filters.rule)),
    ),
  );
  const org = remediation.organization;
  // The organization-wide figure: every remediation of the scope ranked together (exact), for all rules.
  const overall =
    org && org.remediated > 0
      ? h(
          'p',
          { class: 'org-mttr', 'data-field': 'org-mttr' },
          h('strong', {}, filters.account ? `Account ${filters.account}` : 'Organization'),
          `: median ${formatDuration(org.median_seconds)} · p90 ${formatDuration(org.p90_seconds)} · ${integer.format(org.remediated)} fixed`,
          filters.rule ? h('span', { class: 'scope-note' }, ' · all rules') : null,
        )
      : null;
  if (rows.length === 0) {
    replace(
      container,
      overall,
      empty('Nothing remediated in this range', 'No violation was resolved in these days.'),
    );
    return;
  }
  const shown = rows.slice(0, 12);
  const maxLost = Math.max(...shown.map(timeLost));
  replace(
    container,
    overall,
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
            h(
              'td',
              { class: 'name', title: item.rule_name, 'data-label': 'Rule' },
              ruleButton(item.rule_name, item.rule_name),
            ),
            accountCell({ class: 'mono nowrap', 'data-label': 'Account' }, item.account, item.account_name),
            h(
              'td',
              { class: 'n', 'data-field': 'remediated', 'data-label': 'Fixed' },
              integer.format(item.remediated),
            ),
            h(
              'td',
              { class: 'n nowrap', 'data-field': 'median', 'data-label': 'Median' },
              formatDuration(item.median_seconds),
            ),
            h(
              'td',
              { class: 'n nowrap', 'data-field': 'p90', 'data-label': 'p90' },
              formatDuration(item.p90_seconds),
            ),
            h(
              'td',
              { class: 'bar', title: `${formatDuration(timeLost(item))} open in all (fixed × median)` },
              hbar(timeLost(item), maxLost, '#e0a23b'),
            ),
            h(
              'td',
              { class: 'n', 'data-field': 'open', 'data-label': 'Open' },
              integer.format(item.open_violations),
            ),
          ),
        ),
      ),
    ),
    rows.length > shown.length
      ? h(
          'p',
          { class: 'hint' },
          `The ${shown.length} of ${integer.format(rows.length)} rule × account pairs that lost the most time (fixed × median).`,
        )
      : null,
  );
}

/** The time a rule × account pair spent open: fixed × median, what sorts the table. */
function timeLost(item) {
  return item.remediated * (item.median_seconds ?? 0);
}

/**
 * Time to remediate, the pairs that lost the most time first (fixed × median): a single slow fix
 * no longer leads, as it did sorted by p90 alone; ties by p90, then name.
 */
export function remediationOrder(items) {
  return [...items].sort(
    (a, b) =>
      timeLost(b) - timeLost(a) ||
      (b.p90_seconds ?? -1) - (a.p90_seconds ?? -1) ||
      a.rule_name.localeCompare(b.rule_name) ||
      a.account.localeCompare(b.account),
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
  const wanted = (item) =>
    isViolation(item) && (!filters.rule || matchesRule(item.detail.ruleName, filters.rule));
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
    found.push(...body.items.filter(wanted));
    next = body.next;
    if (!next) break;
  }
  return { items: found.slice(0, LATEST_LIMIT), scanned };
}

/** A resource id that opens its timeline when clicked. */
function resourceButton(account, region, type, id) {
  return h(
    'button',
    {
      type: 'button',
      class: 'link mono resource-link',
      'data-resource': resourceRef(account, region, type, id),
      title: `${type} ${id} · show its timeline`,
    },
    id,
  );
}

function when(iso, now, label = 'When') {
  if (Number.isNaN(Date.parse(iso)))
    return h('td', { class: 'nowrap', 'data-label': label }, String(iso ?? '—'));
  return h(
    'td',
    { class: 'nowrap', title: iso, 'data-label': label },
    ago(iso, now),
    h('span', { class: 'sub' }, `${stamp.format(new Date(iso))} UTC`),
  );
}

/** Recently opened: violations that entered NON_COMPLIANT among the latest events, newest first. */
function renderLatest(latest, now) {
  const container = $('latest');
  $('latest-hint').textContent = `newest first · among the ${integer.format(latest.scanned)} latest events`;
  if (latest.items.length === 0) {
    replace(container, empty('No violation opened', 'None among the latest events of this scope.'));
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
          h('th', {}, 'Opened'),
          h('th', {}, 'Rule'),
          h('th', {}, 'Resource'),
          h('th', {}, 'Account'),
          h('th', {}, 'Region'),
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
            when(d.eventTime, now, 'Opened'),
            h(
              'td',
              { class: 'name w-rule', title: d.ruleName, 'data-label': 'Rule' },
              ruleButton(d.ruleName, d.ruleName),
              d.annotation ? h('span', { class: 'sub', title: d.annotation }, d.annotation) : null,
            ),
            h(
              'td',
              { class: 'name w-resource', 'data-label': 'Resource' },
              resourceButton(item.account, item.region, d.resourceType, d.resourceId),
              h('span', { class: 'sub' }, d.resourceType),
            ),
            accountCell({ class: 'mono nowrap', 'data-label': 'Account' }, item.account, item.account_name),
            h('td', { class: 'nowrap', 'data-label': 'Region' }, item.region),
          );
        }),
      ),
    ),
  );
}

// ------------------------------------------------------------------------------------------------
// Open violations (GET /violations): filter, sort, pages, CSV.

const SEVERITY_CLASS = {
  CRITICAL: 'sev-critical',
  HIGH: 'sev-high',
  MEDIUM: 'sev-medium',
  LOW: 'sev-low',
  INFORMATIONAL: 'sev-info',
};
const SORT_COLUMNS = [
  ['severity', 'Severity'],
  ['rule', 'Rule'],
  ['resource', 'Resource'],
  ['account', 'Account'],
  ['region', 'Region'],
  ['open_since', 'Open since'],
];

/** The scope of the open-violations table, as `/violations` takes it. */
function openParams(filters) {
  return {
    account: filters.account,
    region: filters.region,
    rule: filters.rule,
    severity: filters.severity,
    muted: filters.muted,
    sort: filters.sort,
  };
}

/** Pages seen: the cursor each started at (null: the first), so Previous goes back. */
const openPages = { key: '', cursors: [null], at: 0 };

async function loadOpen(filters) {
  const key = JSON.stringify(openParams(filters));
  if (openPages.key !== key) Object.assign(openPages, { key, cursors: [null], at: 0 });
  const body = await api('/violations', {
    ...openParams(filters),
    limit: OPEN_PAGE,
    next: openPages.cursors[openPages.at],
  });
  openPages.cursors.length = openPages.at + 1;
  if (body.next) openPages.cursors.push(body.next);
  return body;
}

function renderOpen(body, filters, now) {
  const container = $('open');
  if (body.error) {
    const id = body.error.requestId ? ` (request id ${body.error.requestId})` : '';
    replace(container, empty('Could not load the open violations', `${body.error.message}${id}`));
    $('open-range').textContent = '';
    $('open-prev').disabled = true;
    $('open-next').disabled = true;
    return;
  }
  const first = openPages.at * OPEN_PAGE;
  $('open-range').textContent =
    body.items.length === 0
      ? ''
      : `${integer.format(first + 1)}–${integer.format(first + body.items.length)}`;
  $('open-prev').disabled = openPages.at === 0;
  $('open-next').disabled = openPages.cursors.length <= openPages.at + 1;
  $('f-severity').value = filters.severity;
  $('f-muted').value = filters.muted;
  if (body.items.length === 0) {
    replace(
      container,
      empty(
        'No open violation',
        `Nothing is non-compliant now in ${[
          filters.account ? `account ${filters.account}` : 'any account',
          filters.region || 'any region',
          filters.rule ? `rule ${filters.rule}` : null,
          filters.severity ? `severity ${filters.severity.toLowerCase()}` : null,
          filters.muted === 'true' ? 'muted' : filters.muted === 'false' ? 'not muted' : null,
        ]
          .filter(Boolean)
          .join(', ')}.`,
      ),
    );
    return;
  }
  const [sortField, descending] = [filters.sort.replace(/^-/, ''), filters.sort.startsWith('-')];
  replace(
    container,
    h(
      'table',
      { class: 'open-table' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          SORT_COLUMNS.map(([field, label]) =>
            h(
              'th',
              { 'aria-sort': field === sortField ? (descending ? 'descending' : 'ascending') : null },
              h(
                'button',
                {
                  type: 'button',
                  class: 'sort',
                  'data-sort': field,
                  title: `Sort by ${label.toLowerCase()}`,
                },
                label,
                field === sortField ? h('span', { 'aria-hidden': 'true' }, descending ? ' ▼' : ' ▲') : null,
              ),
            ),
          ),
        ),
      ),
      h(
        'tbody',
        {},
        body.items.map((v) =>
          h(
            'tr',
            {
              'data-violation': resourceRef(v.account, v.region, v.resource_type, v.resource_id),
              'data-rule-name': v.rule_name,
            },
            h(
              'td',
              { 'data-label': 'Severity' },
              h(
                'span',
                { class: `severity ${SEVERITY_CLASS[v.severity] ?? ''}`, 'data-field': 'severity' },
                v.severity.toLowerCase(),
              ),
              v.muted
                ? h(
                    'span',
                    { class: 'muted-tag', 'data-field': 'muted', title: `Muted by ${v.mute_id}` },
                    'muted',
                  )
                : null,
            ),
            h(
              'td',
              { class: 'name w-rule', title: v.rule_name, 'data-label': 'Rule' },
              ruleButton(v.rule_name, v.rule_name),
              v.annotation ? h('span', { class: 'sub', title: v.annotation }, v.annotation) : null,
            ),
            h(
              'td',
              { class: 'name w-resource', 'data-label': 'Resource' },
              resourceButton(v.account, v.region, v.resource_type, v.resource_id),
              h('span', { class: 'sub' }, v.resource_type),
            ),
            accountCell({ class: 'mono nowrap', 'data-label': 'Account' }, v.account, v.account_name),
            h('td', { class: 'nowrap', 'data-label': 'Region' }, v.region),
            when(v.open_since, now, 'Open since'),
          ),
        ),
      ),
    ),
  );
}

async function refreshOpen() {
  const filters = readFilters();
  const container = $('open');
  container.setAttribute('aria-busy', 'true');
  try {
    renderOpen(await loadOpen(filters).catch((error) => ({ error })), filters, Date.now());
  } finally {
    container.setAttribute('aria-busy', 'false');
    document.body.dataset.open = String(Date.now());
  }
}

/** Every page of the open violations of the scope as one CSV file, downloaded. */
async function downloadCsv() {
  const button = $('open-csv');
  const filters = readFilters();
  button.disabled = true;
  const label = button.textContent;
  try {
    let next = null;
    let text = '';
    let pages = 0;
    do {
      button.textContent = `Downloading… ${integer.format(pages * CSV_PAGE)}`;
      const page = await apiCsv('/violations', {
        ...openParams(filters),
        limit: CSV_PAGE,
        next,
        format: 'csv',
      });
      // Every page starts with the header line; keep the first one only.
      text += pages === 0 ? page.text : page.text.slice(page.text.indexOf('\r\n') + 2);
      next = page.next;
      pages++;
    } while (next && pages < CSV_MAX_PAGES);
    if (next)
      showNotice(
        `The CSV holds the first ${integer.format(pages * CSV_PAGE)} open violations; filter to export the rest.`,
        'info',
      );
    const url = URL.createObjectURL(new Blob([text], { type: 'text/csv' }));
    const link = h('a', {
      href: url,
      download: `open-violations-${new Date().toISOString().slice(0, 10)}.csv`,
      hidden: true,
    });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
    document.body.dataset.csv = String(text.length);
  } catch (err) {
    const id = err.requestId ? ` (request id ${err.requestId})` : '';
    showNotice(`Could not export the CSV: ${err.message}${id}`);
  } finally {
    button.textContent = label;
    button.disabled = false;
  }
}

// ------------------------------------------------------------------------------------------------
// Resource timeline (GET /resources/timeline) in a dialog; the hash's `resource` opens it.

let timelineShown = '';

async function showTimeline(ref) {
  const dialog = $('timeline');
  if (!ref) {
    timelineShown = '';
    if (dialog.open) dialog.close();
    return;
  }
  if (ref === timelineShown && dialog.open) return;
  timelineShown = ref;
  const resource = parseResourceRef(ref);
  const body = $('timeline-body');
  if (!resource) {
    $('timeline-where').textContent = '';
    replace(body, empty('Not a resource', 'The link names no account, region, type and id.'));
  } else {
    $('timeline-title').textContent = resource.id;
    $('timeline-where').textContent = `${resource.type} · account ${resource.account} · ${resource.region}`;
    replace(body, h('p', { class: 'loading' }, 'Loading the timeline…'));
  }
  if (!dialog.open) dialog.showModal();
  if (!resource) return;
  try {
    const timeline = await api('/resources/timeline', {
      account: resource.account,
      region: resource.region,
      resource_type: resource.type,
      resource_id: resource.id,
    });
    if (timelineShown !== ref) return;
    renderTimeline(timeline, Date.now());
  } catch (err) {
    if (timelineShown !== ref) return;
    const id = err.requestId ? ` (request id ${err.requestId})` : '';
    replace(body, empty('Could not load the timeline', `${err.message}${id}`));
  } finally {
    document.body.dataset.timeline = ref;
  }
}

function renderTimeline(timeline, now) {
  const body = $('timeline-body');
  if (timeline.items.length === 0) {
    replace(body, empty('No evaluation archived', 'The archive has no evaluation of this resource yet.'));
    return;
  }
  const items = [...timeline.items].reverse();
  const status = (value) =>
    h('span', { class: `status ${value ?? 'NONE'}` }, value ? value.replace('_', ' ').toLowerCase() : 'none');
  replace(
    body,
    h(
      'table',
      { class: 'timeline-table' },
      h('thead', {}, h('tr', {}, h('th', {}, 'When'), h('th', {}, 'Rule'), h('th', {}, 'Change'))),
      h(
        'tbody',
        {},
        items.map((item) =>
          h(
            'tr',
            { 'data-event': item.event_id },
            when(item.event_time, now),
            h(
              'td',
              { class: 'name', title: item.rule_name, 'data-label': 'Rule' },
              ruleButton(item.rule_name, item.rule_name),
              item.annotation ? h('span', { class: 'sub', title: item.annotation }, item.annotation) : null,
            ),
            h(
              'td',
              { class: 'nowrap', 'data-label': 'Change' },
              status(item.old_status),
              ' → ',
              status(item.new_status),
            ),
          ),
        ),
      ),
    ),
    h(
      'p',
      { class: 'hint' },
      `${integer.format(items.length)} evaluation${items.length === 1 ? '' : 's'}, newest first.`,
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

// ------------------------------------------------------------------------------------------------
// Muted: the mutes in force and the pairs they cover (GET /compliance/muted), for the filters'
// account and region. The figures above include the muted pairs; this panel gives them apart, and
// the score without them. Reasons and ids are untrusted: text nodes only.

const MUTED_PAIRS_SHOWN = 20;
let mutedGeneration = 0;

function muteScope(mute) {
  return [
    mute.region ?? 'every region',
    mute.rule ? `rule ${mute.rule}` : 'every rule',
    mute.resource ? `resource ${mute.resource}` : 'every resource',
  ].join(' · ');
}

function renderMuted(body) {
  const container = $('muted');
  if (body.mutes.length === 0) {
    replace(container, empty('No mute in force', 'config-monitor mute add --account … --until … --reason …'));
    return;
  }
  const pct = (v) => (v === null ? 'n/a' : `${v.toFixed(2)}%`);
  const facts = h(
    'p',
    { class: 'coverage-facts', 'data-field': 'muted-facts' },
    h('span', { 'data-field': 'score-with' }, `Score ${pct(body.compliance_score)} with muted pairs`),
    ' · ',
    h('strong', { 'data-field': 'score-without' }, `${pct(body.compliance_score_without_muted)} without`),
    ' · ',
    h(
      'span',
      { 'data-field': 'muted-counts' },
      `${integer.format(body.muted.non_compliant)} open violations and ${integer.format(body.muted.compliant)} compliant pairs muted by ${body.mutes.length} mute${body.mutes.length === 1 ? '' : 's'}`,
    ),
  );
  const mutes = h(
    'ul',
    { class: 'coverage-list', 'data-field': 'mutes' },
    body.mutes.map((mute) =>
      h(
        'li',
        { 'data-mute': mute.id },
        h('strong', {}, `${mute.id} · ${mute.account}`),
        ` ${muteScope(mute)} · until ${mute.until.slice(0, 10)} · by ${mute.created_by}`,
        h('p', { class: 'coverage-error', 'data-field': 'reason' }, mute.reason),
      ),
    ),
  );
  const open = body.pairs.filter((pair) => pair.status === 'NON_COMPLIANT').slice(0, MUTED_PAIRS_SHOWN);
  const pairs =
    open.length === 0
      ? h('p', { class: 'hint' }, 'No muted pair is non-compliant.')
      : h(
          'ul',
          { class: 'coverage-list', 'data-field': 'muted-pairs' },
          open.map((pair) =>
            h(
              'li',
              {},
              `${pair.account} ${pair.region} · ${pair.base_rule_name} · ${pair.resource_type} ${pair.resource_id}`,
            ),
          ),
        );
  replace(
    container,
    facts,
    h('div', { class: 'coverage-lists' }, mutes, pairs),
    more(open.length, body.muted.non_compliant, 'muted open violations'),
  );
}

/** Loads on its own: a failure (or an API without mutes) shows in its panel only. */
async function loadMuted(filters) {
  const mine = ++mutedGeneration;
  try {
    const body = await api('/compliance/muted', { account: filters.account, region: filters.region });
    if (mine !== mutedGeneration) return;
    renderMuted(body);
    document.body.dataset.muted = 'loaded';
  } catch (err) {
    if (mine !== mutedGeneration) return;
    const id = err.requestId ? ` (request id ${err.requestId})` : '';
    replace($('muted'), empty('Could not load the mutes', `${err.message}${id}`));
    document.body.dataset.muted = 'error';
  }
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
// Load and render. `document.body.dataset.state` says which state the page tells:
// loading, ready, empty (no data at all), unknown-account, no-data-in-range, error.

const known = { accounts: new Set(), regions: new Set(), rules: new Set() };
let generation = 0;
let lastFiguresKey = '';
let lastAccounts = null;

function rangeOf(filters, now) {
  const end = Math.floor(now / DAY_MS) * DAY_MS + DAY_MS;
  return {
    start_date: new Date(end - filters.days * DAY_MS).toISOString(),
    end_date: new Date(end).toISOString(),
  };
}

/** The selectors show the filters in force, even a value no list has (a mistyped account). */
function syncSelectors(filters) {
  fillSelect($('f-account'), known.accounts, filters.account, 'All accounts');
  fillSelect($('f-region'), known.regions, filters.region, 'All regions');
  fillSelect($('f-rule'), known.rules, filters.rule, 'All rules');
  $('f-days').value = String(filters.days);
  $('f-severity').value = filters.severity;
  $('f-muted').value = filters.muted;
}

const FIGURE_PANELS = ['trend-chart', 'rules', 'accounts', 'remediation', 'latest', 'open'];

/** Every figure panel shows `node` (one message for the whole page's state) and the KPIs a dash. */
function fillPanels(make) {
  for (const id of FIGURE_PANELS) {
    chartRedraw = id === 'trend-chart' ? null : chartRedraw;
    replace($(id), make(id));
  }
  for (const kpi of document.querySelectorAll('.kpi')) {
    kpi.className = 'kpi';
    kpi.querySelector('.kpi-value').textContent = '—';
  }
  $('trend-legend').replaceChildren();
  $('open-range').textContent = '';
  $('open-prev').disabled = true;
  $('open-next').disabled = true;
}

function setState(state, mine) {
  document.body.dataset.state = state;
  document.body.dataset.loaded = state === 'error' ? `error-${mine}` : String(mine);
}

/** What to say when the scope has no data: nothing ingested at all, an unknown account, or a quiet range. */
async function whyEmpty(filters) {
  if (filters.account) {
    const probe = await api('/events', { account: filters.account, limit: 1 });
    if (probe.items.length === 0) return 'unknown-account';
    return 'no-data-in-range';
  }
  const probe = await api('/events', { limit: 1 });
  return probe.items.length === 0 ? 'empty' : 'no-data-in-range';
}

function showEmptyState(state, filters) {
  const message = {
    empty: () =>
      h(
        'div',
        { class: 'empty', 'data-field': 'no-data' },
        h(
          'p',
          {},
          h('strong', {}, 'No data yet'),
          'Run ',
          h('code', {}, 'config-monitor ingest FILE'),
          ' or ',
          h('code', {}, 'config-monitor sync --aggregator NAME'),
          ' (or start with ',
          h('code', {}, 'up --demo'),
          ') to load evaluations.',
        ),
      ),
    'unknown-account': () =>
      empty(
        `No data for account ${filters.account}`,
        'No event of this account is in the hot store or the archive of this range. Check the id, or pick an account from the list.',
      ),
    'no-data-in-range': () =>
      empty(
        filters.account
          ? `No data for account ${filters.account} in the last ${filters.days} days`
          : `No evaluations in the last ${filters.days} days`,
        'Pick a longer range.',
      ),
  }[state];
  fillPanels(() => message());
  const text = {
    empty: ['No data yet: run ', h('code', {}, 'config-monitor ingest'), ' or ', h('code', {}, 'sync'), '.'],
    'unknown-account': [`No data for account ${filters.account}.`],
    'no-data-in-range': [
      filters.account
        ? `No data for account ${filters.account} in the last ${filters.days} days.`
        : `No evaluations in the last ${filters.days} days.`,
    ],
  }[state];
  showNotice('', 'info');
  $('notice').replaceChildren(...text);
  $('notice').dataset.state = state;
}

/** The figures are read again every minute while the tab is visible (and on return to it). */
const REFRESH_MS = 60_000;
let lastLoadAt = 0;

function refreshIfDue() {
  if (document.visibilityState !== 'visible' || Date.now() - lastLoadAt < REFRESH_MS) return;
  loadCoverage();
  load();
}

async function load() {
  const filters = readFilters();
  const mine = ++generation;
  const now = Date.now();
  lastLoadAt = now;
  const range = rangeOf(filters, now);
  const scope = { account: filters.account, region: filters.region, ...range };
  lastFiguresKey = figuresKey(filters);
  $('main').setAttribute('aria-busy', 'true');
  $('notice').hidden = true;
  document.body.dataset.state = 'loading';
  // The header and the selectors show the filters in force before anything answers.
  renderPeriod(range, filters, filters.account ? 1 : undefined);
  syncSelectors(filters);
  if (generation === 1) fillPanels(() => h('p', { class: 'loading' }, 'Loading…'));
  loadMuted(filters);
  try {
    const trendsRequest = api('/compliance/trends', scope);
    const [summary, trends, remediation, latest, allAccounts, open] = await Promise.all([
      api('/compliance/summary', scope),
      trendsRequest,
      api('/compliance/remediation', scope),
      loadLatest(range, filters),
      // With an account picked, the account list still shows every account for comparison.
      filters.account ? api('/compliance/trends', { ...scope, account: '' }) : trendsRequest,
      // The table reports its own failure (a sort over too many violations) in its panel.
      loadOpen(filters).catch((error) => ({ error })),
    ]);
    if (mine !== generation) return;
    for (const a of allAccounts.accounts) known.accounts.add(a.account);
    for (const e of latest.items) known.regions.add(e.region);
    for (const item of remediation.items)
      known.rules.add(item.base_rule_name || baseRuleName(item.rule_name));
    syncSelectors(filters);
    renderPeriod(range, filters, filters.account ? 1 : allAccounts.accounts.length);
    const unknownAccount =
      filters.account && !allAccounts.accounts.some((a) => a.account === filters.account);
    if (trends.accounts.length === 0 || unknownAccount) {
      const state = await whyEmpty(filters);
      if (mine !== generation) return;
      if (state !== 'no-data-in-range' || unknownAccount) {
        showEmptyState(state, filters);
        if (state !== 'empty') {
          lastAccounts = allAccounts;
          renderAccounts(allAccounts, filters.account, $('accounts-search').value);
        }
        setState(state, mine);
        return;
      }
    }
    renderKpis(summary, trends, remediation, filters);
    renderTrend(trends, filters);
    lastAccounts = allAccounts;
    renderAccounts(allAccounts, filters.account, $('accounts-search').value);
    // Scores are per account and region: with a rule filter the panel says they are for all rules.
    $('accounts-hint').textContent = `as of the end of the range${filters.rule ? ' · all rules' : ''}`;
    renderRules(remediation, filters);
    renderRemediation(remediation, filters);
    renderLatest(latest, now);
    renderOpen(open, filters, now);
    $('notice').hidden = true;
    $('updated').textContent = `updated ${stamp.format(new Date(now))} UTC`;
    setState('ready', mine);
  } catch (err) {
    if (mine !== generation) return;
    const id = err.requestId ? ` (request id ${err.requestId})` : '';
    showNotice(`Could not load the figures: ${err.message}${id}`);
    $('notice').dataset.state = 'error';
    fillPanels(() => empty('Not loaded', 'The API answered with an error; see the message above.'));
    setState('error', mine);
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

/** Applies a change of filters: the figures reload when they depend on it, a timeline opens or closes. */
function navigate(changes) {
  const filters = { ...readFilters(), ...changes };
  writeFilters(filters);
  onHash();
}

function onHash() {
  const filters = readFilters();
  if (figuresKey(filters) !== lastFiguresKey) load();
  else {
    syncSelectors(filters);
    refreshOpen();
  }
  showTimeline(filters.resource);
}

$('accounts').addEventListener('click', (event) => {
  const row = event.target.closest('tr[data-account]');
  if (!row) return;
  const filters = readFilters();
  navigate({ account: row.dataset.account === filters.account ? '' : row.dataset.account });
});

$('accounts-search').addEventListener('input', () => {
  if (lastAccounts) renderAccounts(lastAccounts, readFilters().account, $('accounts-search').value);
});

$('filters').addEventListener('change', () => {
  navigate({
    account: $('f-account').value,
    region: $('f-region').value,
    rule: $('f-rule').value,
    days: Number($('f-days').value),
  });
});

$('f-severity').addEventListener('change', () => navigate({ severity: $('f-severity').value }));
$('f-muted').addEventListener('change', () => navigate({ muted: $('f-muted').value }));

// Drill-down: a rule filters the whole page to it, a resource opens its timeline, a column sorts.
document.addEventListener('click', (event) => {
  const target = event.target instanceof Element ? event.target : null;
  const rule = target?.closest('[data-rule-filter]');
  if (rule) {
    event.stopPropagation();
    const filters = readFilters();
    const value = rule.dataset.ruleFilter === filters.rule ? '' : rule.dataset.ruleFilter;
    navigate({ rule: value, resource: '' });
    return;
  }
  const resource = target?.closest('[data-resource]');
  if (resource) {
    navigate({ resource: resource.dataset.resource });
    return;
  }
  const sort = target?.closest('button[data-sort]');
  if (sort) {
    const current = readFilters().sort;
    const field = sort.dataset.sort;
    // A new column starts in its natural order: most severe, oldest, A to Z.
    const next = current === field ? `-${field}` : field;
    navigate({ sort: next });
    return;
  }
  const chip = target?.closest('[data-clear]');
  if (chip) navigate({ [chip.dataset.clear]: '' });
});

$('open-next').addEventListener('click', () => {
  if (openPages.cursors.length > openPages.at + 1) openPages.at += 1;
  refreshOpen();
});
$('open-prev').addEventListener('click', () => {
  if (openPages.at > 0) openPages.at -= 1;
  refreshOpen();
});
$('open-csv').addEventListener('click', () => downloadCsv());
$('timeline-close').addEventListener('click', () => $('timeline').close());
$('timeline').addEventListener('close', () => {
  timelineShown = '';
  if (readFilters().resource) navigate({ resource: '' });
});

window.addEventListener('hashchange', onHash);

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
  showTimeline(readFilters().resource);
  setInterval(refreshIfDue, REFRESH_MS / 4);
  document.addEventListener('visibilitychange', refreshIfDue);
}

start();
