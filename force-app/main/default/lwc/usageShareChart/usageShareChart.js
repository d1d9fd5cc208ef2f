import { LightningElement, api } from 'lwc';
import { formatDate, formatPercent as formatShare } from 'c/gtmFormat';

/** Drawing area, in SVG user units (the svg scales to its container through viewBox). */
const WIDTH = 640;
const HEIGHT = 260;
const LEFT = 48;
const RIGHT = 96;
const TOP = 24;
const BOTTOM = 48;
const PLOT_WIDTH = WIDTH - LEFT - RIGHT;
const PLOT_HEIGHT = HEIGHT - TOP - BOTTOM;
const SHARE_TICKS = [0, 0.25, 0.5, 0.75, 1];
const MARKER = 6;
/** the least vertical distance between the two labels in the right margin */
const LABEL_GAP = 13;

const COLOR_BAR = '#c9c9c9';
const COLOR_BAR_PARTIAL = '#e5e5e5';
const COLOR_LINE = '#0176d3';
const COLOR_QUALIFYING = '#2e844a';
const COLOR_AXIS = '#747474';
const COLOR_TEXT = '#444444';

const numberFormat = new Intl.NumberFormat();

const formatPercent = (ratio) => formatShare(ratio, '—');

function clampShare(value) {
  if (typeof value !== 'number' || !Number.isFinite(value)) return 0;
  return Math.min(1, Math.max(0, value));
}

function round(value) {
  return Math.round(value * 10) / 10;
}

/** "2026-W10" -> "W10": the axis has room for the week number only; the table keeps the full label. */
function shortWeek(isoWeek) {
  const match = /W\d+$/.exec(isoWeek || '');
  return match ? match[0] : isoWeek;
}

/**
 * Weekly AI resolution share (line and points, left axis 0-100%) over weekly ticket volume (bars, scaled to the
 * busiest week), with the qualifying threshold as a dashed line. Qualifying weeks get a diamond and a "Q" under
 * their week, so they read without colour; weeks still in progress get a lighter bar and an asterisk. The svg is
 * one image for assistive technology (role="img" + summary); a visually hidden table carries every value.
 * Presentation only: whether a week qualifies comes from the server.
 */
export default class UsageShareChart extends LightningElement {
  /** UsageWeekView[], oldest first */
  @api weeks = [];
  /** the share threshold as a ratio, e.g. 0.4 */
  @api threshold;
  /** tickets a week needs before its share counts */
  @api minTickets;
  /** names the chart in its summary */
  @api accountName;

  width = WIDTH;
  height = HEIGHT;
  viewBox = `0 0 ${WIDTH} ${HEIGHT}`;
  barColor = COLOR_BAR;
  lineColor = COLOR_LINE;
  qualifyingColor = COLOR_QUALIFYING;
  axisColor = COLOR_AXIS;
  textColor = COLOR_TEXT;
  plotLeft = LEFT;
  plotRight = LEFT + PLOT_WIDTH;
  plotTop = TOP;
  plotBottom = TOP + PLOT_HEIGHT;
  plotHeight = PLOT_HEIGHT;

  get weekList() {
    return Array.isArray(this.weeks) ? this.weeks : [];
  }

  get hasWeeks() {
    return this.weekList.length > 0;
  }

  get hasMinTickets() {
    return typeof this.minTickets === 'number' && Number.isFinite(this.minTickets) && this.minTickets > 0;
  }

  /** the top of the volume scale: the busiest week, or the minimum when no week reaches it (so its line shows) */
  get maxTickets() {
    const busiest = this.weekList.reduce((max, w) => Math.max(max, w.ticketsTotal || 0), 0);
    return this.hasMinTickets ? Math.max(busiest, this.minTickets) : busiest;
  }

  ticketsY(tickets) {
    const max = this.maxTickets;
    return round(TOP + PLOT_HEIGHT - (max > 0 ? (tickets / max) * PLOT_HEIGHT : 0));
  }

  get minTicketsY() {
    return this.ticketsY(this.minTickets);
  }

  /** in the right margin like the threshold's label, moved clear of it when the two lines are close */
  get minTicketsLabelY() {
    const y = this.minTicketsY + 4;
    if (!this.hasThreshold) return round(y);
    const gap = y - this.thresholdLabelY;
    if (Math.abs(gap) >= LABEL_GAP) return round(y);
    return round(this.thresholdLabelY + (gap >= 0 ? LABEL_GAP : -LABEL_GAP));
  }

  get minTicketsLabel() {
    return `Min ${numberFormat.format(this.minTickets)} tickets`;
  }

  get slotWidth() {
    return PLOT_WIDTH / Math.max(1, this.weekList.length);
  }

  shareY(share) {
    return round(TOP + PLOT_HEIGHT * (1 - clampShare(share)));
  }

  get points() {
    const slot = this.slotWidth;
    const barWidth = round(slot * 0.6);
    const max = this.maxTickets;
    return this.weekList.map((w, i) => {
      const center = round(LEFT + i * slot + slot / 2);
      const barHeight = max > 0 ? round(((w.ticketsTotal || 0) / max) * PLOT_HEIGHT) : 0;
      const y = this.shareY(w.share);
      const partial = w.complete === false;
      const label = `${shortWeek(w.isoWeek)}${partial ? '*' : ''}`;
      return {
        key: w.isoWeek,
        isoWeek: w.isoWeek,
        weekStart: formatDate(w.weekStart),
        label,
        barX: round(center - barWidth / 2),
        barY: round(TOP + PLOT_HEIGHT - barHeight),
        barWidth,
        barHeight,
        barFill: partial ? COLOR_BAR_PARTIAL : COLOR_BAR,
        x: center,
        y,
        qualifies: w.qualifies === true,
        diamond: `${center},${round(y - MARKER)} ${round(center + MARKER)},${y} ${center},${round(y + MARKER)} ${round(center - MARKER)},${y}`,
        labelY: HEIGHT - BOTTOM + 16,
        markY: HEIGHT - BOTTOM + 32,
        tickets: numberFormat.format(w.ticketsTotal || 0),
        aiResolved: numberFormat.format(w.aiResolved || 0),
        shareText: formatPercent(w.share),
        qualifiesText: w.qualifies ? 'Yes' : 'No',
        completeText: partial ? 'No, week in progress' : 'Yes',
        slotX: round(LEFT + i * slot),
        slotWidth: round(slot),
        tooltip:
          `${w.isoWeek}${w.weekStart ? ` (week of ${formatDate(w.weekStart)})` : ''}: ` +
          `${formatPercent(w.share)} AI resolution share, ${numberFormat.format(w.aiResolved || 0)} of ` +
          `${numberFormat.format(w.ticketsTotal || 0)} tickets resolved by AI; ` +
          `${w.qualifies ? 'qualifies' : 'does not qualify'}${partial ? ' (week in progress)' : ''}`
      };
    });
  }

  get qualifyingPoints() {
    return this.points.filter((p) => p.qualifies);
  }

  get plainPoints() {
    return this.points.filter((p) => !p.qualifies);
  }

  get shareLine() {
    return this.points.map((p) => `${p.x},${p.y}`).join(' ');
  }

  get hasThreshold() {
    return typeof this.threshold === 'number' && Number.isFinite(this.threshold);
  }

  get thresholdY() {
    return this.shareY(this.threshold);
  }

  /** in the right margin, beside the dashed line, so it never sits on the bars or the share line */
  get thresholdLabelY() {
    return round(this.thresholdY + 4);
  }

  get thresholdLabelX() {
    return LEFT + PLOT_WIDTH + 6;
  }

  get thresholdLabel() {
    return `Threshold ${formatPercent(this.threshold)}`;
  }

  get shareTicks() {
    return SHARE_TICKS.map((t) => ({
      key: `t${t}`,
      y: this.shareY(t),
      textY: this.shareY(t) + 4,
      label: formatPercent(t)
    }));
  }

  get ticketAxisLabel() {
    return `${numberFormat.format(this.maxTickets)} tickets`;
  }

  get ticketAxisX() {
    return LEFT + PLOT_WIDTH + 6;
  }

  get ticketAxisTopY() {
    return TOP + 4;
  }

  get zeroTicketsY() {
    return TOP + PLOT_HEIGHT + 4;
  }

  get hasPartialWeek() {
    return this.weekList.some((w) => w.complete === false);
  }

  get qualifyingRule() {
    const parts = [];
    if (this.hasThreshold) parts.push(`share at or above ${formatPercent(this.threshold)}`);
    if (typeof this.minTickets === 'number') parts.push(`at least ${numberFormat.format(this.minTickets)} tickets`);
    return parts.length ? ` (${parts.join(' on ')})` : '';
  }

  get legendMinimum() {
    return this.hasMinTickets
      ? ` Dotted line: the ${numberFormat.format(this.minTickets)}-ticket weekly minimum (on the ticket scale).`
      : '';
  }

  get legendQualifying() {
    return `Diamond and Q: qualifying week${this.qualifyingRule}.`;
  }

  get summary() {
    const weeks = this.weekList;
    if (!weeks.length) return 'No weekly usage to chart.';
    const first = weeks[0];
    const last = weeks[weeks.length - 1];
    const who = this.accountName ? ` for ${this.accountName}` : '';
    const qualifying = this.qualifyingPoints.length;
    const threshold = this.hasThreshold ? ` Threshold ${formatPercent(this.threshold)}.` : '';
    return (
      `Weekly AI resolution share${who}, ${weeks.length} weeks from ${first.isoWeek} to ${last.isoWeek}.` +
      ` Latest week ${formatPercent(last.share)} of ${numberFormat.format(last.ticketsTotal || 0)} tickets.` +
      `${threshold} ${qualifying} of ${weeks.length} weeks qualify${this.qualifyingRule}.` +
      ' The table that follows lists every week.'
    );
  }
}
