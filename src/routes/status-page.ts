import escapeHtml from 'escape-html';
import { regionName } from '../domain/eve-regions.js';
import type { StatusSnapshot } from '../services/status.service.js';

/** The page reloads itself: no script, so it works with JavaScript off. */
const REFRESH_SECONDS = 30;

const text = (value: unknown): string => escapeHtml(String(value));

function utc(date: Date | null): string {
  return date === null ? '–' : `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** "4 min ago" / "in 12 s": what an operator reads first. */
function relative(date: Date | null, now: Date): string {
  if (date === null) return '';
  const seconds = Math.round((date.getTime() - now.getTime()) / 1000);
  const size = Math.abs(seconds);
  const amount = size < 120 ? `${size} s` : size < 7200 ? `${Math.round(size / 60)} min` : `${(size / 3600).toFixed(1)} h`;
  return seconds >= 0 ? `in ${amount}` : `${amount} ago`;
}

function when(date: Date | null, now: Date): string {
  return date === null ? '–' : `<time datetime="${text(date.toISOString())}">${text(utc(date))}</time> <small>${text(relative(date, now))}</small>`;
}

function outcome(value: string | null, detail: string | null): string {
  if (value === null) return '<span class="muted">running or never</span>';
  const tone = value === 'success' ? 'ok' : value === 'partial' ? 'warn' : 'bad';
  return `<span class="${tone}">${text(value)}</span>${detail ? ` <small>${text(detail)}</small>` : ''}`;
}

function table(caption: string, id: string, head: readonly string[], rows: readonly string[][], empty: string): string {
  const body = rows.length === 0
    ? `<tr><td colspan="${head.length}" class="muted">${text(empty)}</td></tr>`
    : rows.map((cells) => `<tr>${cells.map((cell) => `<td>${cell}</td>`).join('')}</tr>`).join('\n');
  return `<table id="${id}"><caption>${text(caption)}</caption>
<thead><tr>${head.map((h) => `<th scope="col">${text(h)}</th>`).join('')}</tr></thead>
<tbody>
${body}
</tbody></table>`;
}

const number = (value: number) => text(value.toLocaleString('en-US'));

/** The operator's status page: server-rendered HTML, inline styles, no external assets. */
export function renderStatusPage(status: StatusSnapshot): string {
  const now = status.generatedAt;
  const sections: string[] = [];
  const db = status.database;

  if (db === null) {
    sections.push(`<p class="bad" id="database-error">The database could not be read: ${text(status.databaseError ?? 'unavailable')}. The figures below are this process's own.</p>`);
  }

  const byRegion = new Map((db?.regions ?? []).map((row) => [row.regionId, row]));
  const regionIds = [...new Set([...status.configuredRegionIds, ...byRegion.keys()])].sort((a, b) => a - b);
  sections.push(
    table(
      'Regions',
      'regions',
      ['Region', 'Live contracts', 'Last complete sweep', 'Next poll', 'Last outcome'],
      regionIds.map((regionId) => {
        const row = byRegion.get(regionId);
        const configured = status.configuredRegionIds.includes(regionId);
        return [
          `${text(regionName(regionId))} <small>${text(regionId)}${configured ? '' : ' · no longer configured'}</small>`,
          row ? number(row.openCount) : '–',
          when(row?.lastSnapshotAt ?? null, now),
          when(row?.nextPollAt ?? null, now),
          row ? `${outcome(row.lastOutcome, row.lastDetail)}${row.holdSince ? ` <span class="warn">closures held since ${text(utc(row.holdSince))}</span>` : ''}` : '<span class="muted">not swept yet</span>',
        ];
      }),
      db === null ? 'unknown while the database is unreachable' : 'no region configured or swept',
    ),
  );

  if (db !== null) {
    const esi = db.esi;
    const paused = esi?.pausedUntil && esi.pausedUntil > now;
    sections.push(`<section id="queues"><h2>Queues and ESI</h2><dl>
<dt>Items queue</dt><dd id="items-queue">${number(db.itemsQueue.due)} due, ${number(db.itemsQueue.waiting)} backing off${db.itemsQueue.oldestPendingSince ? `; oldest waiting since ${when(db.itemsQueue.oldestPendingSince, now)}` : ''}</dd>
<dt>Bids queue</dt><dd id="bids-queue">${number(db.bidsQueue.due)} live auctions due, ${number(db.bidsQueue.waiting)} backing off${db.bidsQueue.oldestDueSince ? `; oldest due since ${when(db.bidsQueue.oldestDueSince, now)}` : ''}</dd>
<dt>ESI error budget</dt><dd id="esi-error-limit">${esi?.errorLimitRemain === null || esi === null ? '<span class="muted">no ESI response recorded yet</span>' : `${number(esi.errorLimitRemain)} errors left in the window`}${esi ? ` <small>as of ${text(utc(esi.updatedAt))}</small>` : ''}</dd>
<dt>ESI pause</dt><dd id="esi-pause">${paused ? `<span class="warn">paused (${text(esi!.pauseReason)}${esi!.pauseGroup ? `, group ${text(esi!.pauseGroup)}` : ''}) until ${when(esi!.pausedUntil, now)}</span>` : 'none'}</dd>
<dt>Data generation</dt><dd id="generation">${db.generation ? `${number(db.generation.generation)}, changed ${when(db.generation.changedAt, now)}` : '–'}</dd>
</dl></section>`);

    sections.push(
      table(
        'Last 10 sync runs',
        'runs',
        ['Run', 'Started', 'Trigger', 'Outcome', 'Duration', 'ESI requests', 'New', 'Closed', 'Item lists'],
        db.runs.map((run) => [
          text(run.runId),
          when(run.startedAt, now),
          text(run.trigger),
          run.finishedAt === null ? '<span class="muted">running</span>' : outcome(run.outcome, run.detail),
          run.finishedAt === null ? '–' : text(`${((run.finishedAt.getTime() - run.startedAt.getTime()) / 1000).toFixed(1)} s`),
          number(run.esiRequests),
          number(run.contractsNew),
          number(run.contractsClosed),
          number(run.itemsFetched),
        ]),
        'no sync run recorded yet',
      ),
    );
  }

  const model = status.readModel;
  sections.push(`<section id="read-model"><h2>This process</h2><dl>
<dt>Role</dt><dd>${text(status.role)}, sync every ${text(status.intervalSeconds)} s</dd>
<dt>Read model</dt><dd>${model === null ? 'off (answers come from SQL)' : `${text(model.state)}, generation ${text(model.generation ?? '–')}, ${number(model.open_contracts)} open of ${number(model.stored_contracts)} held${model.load_seconds === null ? '' : `, loaded in ${text(model.load_seconds.toFixed(1))} s`}; ${number(model.held_details)} details of closed contracts and auctions held${model.details_to_read === 0 ? '' : `, ${number(model.details_to_read)} to read`}`}</dd>
</dl></section>`);

  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="refresh" content="${REFRESH_SECONDS}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Hangar Bay status</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:1.5rem;color:#1b1f24;background:#fff}
h1{font-size:1.3rem;margin:0 0 .2rem}h2{font-size:1.05rem;margin:1.5rem 0 .4rem}
table{border-collapse:collapse;margin-top:1.2rem;min-width:60%}caption{text-align:left;font-weight:600;font-size:1.05rem;padding-bottom:.4rem}
th,td{border-bottom:1px solid #d8dee4;padding:.3rem .7rem;text-align:left;vertical-align:top}th{background:#f6f8fa}
small,.muted{color:#57606a}.ok{color:#1a7f37}.warn{color:#9a6700}.bad{color:#cf222e}
dl{display:grid;grid-template-columns:max-content auto;gap:.3rem 1rem}dt{font-weight:600}dd{margin:0}
</style></head>
<body>
<h1>Hangar Bay status</h1>
<p class="muted">Generated ${text(utc(now))}; this page reloads every ${REFRESH_SECONDS} s.</p>
${sections.join('\n')}
</body></html>
`;
}
