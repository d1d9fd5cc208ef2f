import { LightningElement, api } from 'lwc';
import getReadout from '@salesforce/apex/GtmPqaReadoutController.getReadout';
import { errorText } from 'c/gtmErrors';

/**
 * exp-001's readout for RevOps (an app page): the arms side by side with their pilot-start rates and 95% intervals
 * drawn, the lift between them with its interval, the exact and Bayesian comparisons, what this sample can and
 * cannot tell from noise, workflow reliability and SLA attainment against policy, and the week-5 recommendation
 * with its reasons. Every number and verdict was computed by `gtm routing readout --publish` and stored; the page
 * reads the newest stored readout, or the one of the as-of picked from the stored ones, through
 * GtmPqaReadoutController (PublishedReadoutView in scripts/contracts/pqaContracts.ts) and only draws and words it.
 */

/** A rate as a percentage with one decimal ("40.0%"); '—' when there is none. */
export function pct(x) {
  return x === null || x === undefined || !Number.isFinite(Number(x)) ? '—' : `${(Number(x) * 100).toFixed(1)}%`;
}

function signedPct(x) {
  return `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`;
}

function probability(x) {
  return x === null || x === undefined ? '—' : Number(x).toFixed(3);
}

const DECISION_THEMES = {
  'Expand with holdout': 'slds-theme_success',
  Hold: 'slds-theme_info',
  'Re-scope': 'slds-theme_warning',
  Invalid: 'slds-theme_error'
};

export default class PqaReadout extends LightningElement {
  /** the experiment (the app page may set it; exp-001 has the only readout) */
  @api experimentKey = 'exp-001';

  readout;
  /** the stored as-ofs, newest first, for the picker */
  asOfs = [];
  loadError;
  loading = false;
  loaded = false;
  asOfValue = '';

  connectedCallback() {
    this.load();
  }

  async load() {
    this.loading = true;
    try {
      const view = await getReadout({ experimentKey: this.experimentKey, asOf: this.asOfValue || null });
      this.readout = view.readout || undefined;
      this.asOfs = view.asOfs;
      this.asOfValue = this.readout ? this.readout.asOf.slice(0, 10) : '';
      this.loadError = undefined;
      this.loaded = true;
    } catch (error) {
      this.loadError = error;
    } finally {
      this.loading = false;
    }
  }

  handleAsOf(event) {
    this.asOfValue = event.detail.value || '';
    this.load();
  }

  get asOfOptions() {
    return this.asOfs.map((day, i) => ({ label: i === 0 ? `${day} (newest)` : day, value: day }));
  }

  get hasAsOfs() {
    return this.asOfs.length > 0;
  }

  /** loaded, and nothing published for the experiment yet */
  get nothingPublished() {
    return this.loaded && !this.loadError && !this.readout;
  }

  get nothingPublishedText() {
    return `No ${this.experimentKey} readout is published yet. RevOps publishes one with: gtm routing readout ${this.experimentKey} --as-of DAY --publish`;
  }

  get loadErrorText() {
    return this.loadError ? `The readout could not be read. ${errorText(this.loadError)}` : '';
  }

  get asOfText() {
    return this.readout ? `As of ${this.readout.asOf.slice(0, 10)} (00:00 UTC)` : '';
  }

  get outcomeText() {
    const r = this.readout;
    return `Outcome: a pilot started within ${r.windowDays} days of qualification; only closed windows count (intent to treat).`;
  }

  get decisionClass() {
    return `slds-box slds-m-bottom_medium ${DECISION_THEMES[this.readout.recommendation.decision] || ''}`;
  }

  get reasons() {
    return this.readout.recommendation.reasons.map((text, i) => ({ key: `${i}`, text }));
  }

  get arms() {
    return this.readout.arms.map((a) => ({
      ...a,
      key: a.arm,
      closedText: `${a.windowsClosed} of ${a.accounts}`,
      rateText: pct(a.rate),
      intervalText: a.interval ? `${pct(a.interval.low)} to ${pct(a.interval.high)}` : '—'
    }));
  }

  /** the chart: each arm's 95% interval as a bar and its rate as a mark, on a 0-100% track */
  get chartRows() {
    return this.readout.arms.map((a) => {
      const low = a.interval ? a.interval.low * 100 : 0;
      const high = a.interval ? a.interval.high * 100 : 0;
      return {
        key: a.arm,
        label: a.arm,
        barStyle: `left: ${low.toFixed(2)}%; width: ${Math.max(0, high - low).toFixed(2)}%;`,
        markStyle: `left: ${((a.rate || 0) * 100).toFixed(2)}%;`,
        hasRate: a.rate !== null && a.rate !== undefined
      };
    });
  }

  get chartLabel() {
    return this.readout.arms
      .map((a) => {
        if (a.rate === null || a.rate === undefined) return `${a.arm}: no closed windows`;
        return `${a.arm} ${pct(a.rate)} (95% interval ${pct(a.interval.low)} to ${pct(a.interval.high)})`;
      })
      .join('; ');
  }

  get comparisons() {
    const r = this.readout;
    const rows = [
      [
        'difference',
        'Difference (Newcombe, 95%)',
        r.difference
          ? `${signedPct(r.difference.estimate)} (${signedPct(r.difference.low)} to ${signedPct(r.difference.high)})`
          : '—'
      ],
      [
        'lift',
        'Relative lift (Katz, 95%)',
        r.lift
          ? `${signedPct(r.lift.estimate - 1)} (${signedPct(r.lift.low - 1)} to ${signedPct(r.lift.high - 1)})`
          : '— (an arm without conversions)'
      ],
      ['fisher', 'One-sided Fisher exact p', probability(r.fisherP)],
      ['better', 'P(treatment > control)', probability(r.probabilityBetter)],
      ['bar', `P(lift ≥ ${signedPct(r.power.expandLift)})`, probability(r.probabilityLiftAtLeast)],
      [
        'srm',
        'Sample ratio (randomized accounts)',
        r.sampleRatio
          ? `${r.sampleRatio.treatment} : ${r.sampleRatio.control} against ${pct(r.sampleRatio.treatmentShare)} treated by design, p ${r.sampleRatio.p.toFixed(4)}`
          : '— (no randomized accounts yet)'
      ]
    ];
    return rows.map(([key, label, value]) => ({ key, valueKey: `${key}-value`, label, value }));
  }

  /** "+15%", "+20%" and the rate target, stored as "target 0.3": the target reads as a percentage like the rest */
  get neededText() {
    const label = (l) => {
      const target = /^target (\d*\.?\d+)$/.exec(l);
      return target ? `the ${pct(Number(target[1]))} target` : l;
    };
    return `n per arm needed for ${this.readout.power.needed.map((n) => `${label(n.label)}: ${n.nPerArm}`).join('; for ')}`;
  }

  get reliabilityText() {
    const r = this.readout.reliability;
    const interval = r.interval ? ` (95% interval ${pct(r.interval.low)} to ${pct(r.interval.high)})` : '';
    const verdict = r.rate === null || r.rate === undefined ? '' : r.rate >= r.minimum ? ', meets' : ', below';
    return `Workflow reliability: ${r.ok} of ${r.signals} treatment signals, ${pct(r.rate)}${interval}${verdict} the ${pct(r.minimum)} policy`;
  }

  get weeks() {
    return this.readout.reliability.byWeek.map((w) => ({ key: w.week, text: `${w.week}: ${w.ok} of ${w.signals}` }));
  }

  get failures() {
    return this.readout.reliability.failures.map((f) => ({
      key: `${f.accountKey}`,
      // the stored key is the assignment's, account|week: the week is said once
      text: `${f.accountKey.replace(`|${f.week}`, '')} (${f.week}): ${f.reason}`
    }));
  }

  get hasFailures() {
    return this.failures.length > 0;
  }

  get slaText() {
    const s = this.readout.slaAttainment;
    const verdict = s.rate === null || s.rate === undefined ? '' : s.rate >= s.minimum ? ', meets' : ', below';
    return `SLA attainment: ${s.met} met of ${s.closed} closed (${pct(s.rate)})${verdict} the ${pct(s.minimum)} policy`;
  }
}
