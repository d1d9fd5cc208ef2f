import { LightningElement } from 'lwc';
import getProgram from '@salesforce/apex/GtmProgramController.getProgram';
import decideReadout from '@salesforce/apex/GtmProgramController.decideReadout';
import { errorText } from 'c/gtmErrors';

/**
 * The GTM Program page (program cockpit, issue 19): the five day-90 KPI tiles (baseline -> target -> actual with its
 * interval, n, at risk, progress, status, caveat) with their weekly trend drawn, and the experiment portfolio with
 * the latest readouts, their recommendation and the rules that fired, the decision / sign-off action, and the
 * stored rollout audit's three tiles (data quality, handoff reliability, support burden: status, reason, n,
 * thresholds, figures as gtm scorecard audit wrote them). Every
 * number and verdict comes from GtmProgramController (ProgramView in scripts/contracts/programContracts.ts); the
 * sign-off rule is the server's: a refused decision shows the server's words.
 */

const CHART_W = 240;
const CHART_H = 64;

/** A KPI value in its unit: "22.5%" or "23.0 days"; '—' when there is none. */
export function formatValue(unit, v) {
  if (v === null || v === undefined) return '—';
  return unit === 'ratio' ? `${(Number(v) * 100).toFixed(1)}%` : `${Number(v).toFixed(1)} days`;
}

/** A readout's value in its KPI's unit; "no data" when there is none. */
function estimateValue(unit, v) {
  return v === null || v === undefined ? 'no data' : formatValue(unit, v);
}

/**
 * "24.0% vs 20.0% (20.0% better)" in the KPI's unit, from the readout's numbers; the server's text when it sent
 * no unit (a readout stored before the numbers were sent).
 */
export function estimateText(r) {
  if (!r.unit) return r.estimateText;
  const rel = r.improvement;
  const relText =
    rel === null || rel === undefined
      ? 'relative change: no data'
      : `${(Math.abs(Number(rel)) * 100).toFixed(1)}% ${Number(rel) >= 0 ? 'better' : 'worse'}`;
  return `${estimateValue(r.unit, r.treatmentValue)} vs ${estimateValue(r.unit, r.controlValue)} (${relText})`;
}

/** Points of a polyline for the weekly values, scaled with the baseline and target in view. */
export function trendPoints(kpi) {
  const values = kpi.trend.map((t) => t.value).filter((v) => v !== null && v !== undefined);
  const all = [...values, kpi.baseline, kpi.target];
  const lo = Math.min(...all);
  const span = Math.max(...all) - lo || 1;
  const x = (i) => (kpi.trend.length > 1 ? (i / (kpi.trend.length - 1)) * (CHART_W - 8) + 4 : CHART_W / 2);
  const y = (v) => CHART_H - 4 - ((v - lo) / span) * (CHART_H - 8);
  return {
    line: kpi.trend
      .map((t, i) => (t.value === null || t.value === undefined ? null : `${x(i).toFixed(1)},${y(t.value).toFixed(1)}`))
      .filter(Boolean)
      .join(' '),
    baselineY: y(kpi.baseline).toFixed(1),
    targetY: y(kpi.target).toFixed(1)
  };
}

const STATUS_THEMES = {
  Met: 'slds-badge slds-theme_success',
  Improving: 'slds-badge slds-badge_lightest',
  'Not improving': 'slds-badge slds-theme_error',
  'Insufficient data': 'slds-badge',
  Provisional: 'slds-badge slds-theme_warning'
};

const AUDIT_THEMES = {
  pass: 'slds-badge slds-theme_success',
  attention: 'slds-badge slds-theme_warning',
  fail: 'slds-badge slds-theme_error'
};

export default class GtmProgram extends LightningElement {
  view;
  loadError;
  loading = false;
  asOfValue = '';
  /** the readout being decided: its id, the decision chosen, the reason and second approver typed */
  deciding;
  decideError;
  saving = false;

  connectedCallback() {
    this.load();
  }

  async load() {
    this.loading = true;
    try {
      this.view = await getProgram({ asOf: this.asOfValue || null });
      this.loadError = undefined;
    } catch (error) {
      this.loadError = error;
    } finally {
      this.loading = false;
    }
  }

  /** the day picked, else the day the server chose (the picker stayed empty over "KPIs as of 2026-05-30") */
  get asOfShown() {
    return this.asOfValue || (this.view && this.view.asOf) || '';
  }

  handleAsOf(event) {
    this.asOfValue = event.target.value || '';
  }

  handleRead() {
    this.load();
  }

  get loadErrorText() {
    return this.loadError ? `The program could not be read. ${errorText(this.loadError)}` : '';
  }

  get kpis() {
    return (this.view?.kpis ?? []).map((k) => {
      const points = trendPoints(k);
      const actual =
        k.value === null || k.value === undefined
          ? k.atLeast !== null && k.atLeast !== undefined
            ? `> ${Number(k.atLeast).toFixed(1)} days (median not reached)`
            : 'n/a'
          : formatValue(k.unit, k.value);
      const interval =
        k.value === null || k.value === undefined || k.low === null || k.low === undefined
          ? ''
          : `95% interval ${formatValue(k.unit, k.low)} to ${k.high === null || k.high === undefined ? 'not bounded' : formatValue(k.unit, k.high)}`;
      const progress = k.progress === null || k.progress === undefined ? null : Math.round(k.progress * 100);
      return {
        ...k,
        headingId: `kpi-${k.key}`,
        pathText: `${formatValue(k.unit, k.baseline)} → ${formatValue(k.unit, k.target)}`,
        actualText: actual,
        intervalText: interval,
        nText: `n ${k.n}, outcomes ${k.events}${k.provisional ? `; provisional: ${k.atRisk} at risk` : ''}`,
        progressText: progress === null ? 'progress n/a' : `progress ${progress}%`,
        barStyle: `width: ${Math.max(0, Math.min(100, progress ?? 0))}%`,
        statusClass: STATUS_THEMES[k.status] || 'slds-badge',
        chartLabel: `${k.label} by week: ${k.trend.map((t) => `${t.asOf} ${formatValue(k.unit, t.value)}`).join('; ')}`,
        viewBox: `0 0 ${CHART_W} ${CHART_H}`,
        line: points.line,
        baselineY: points.baselineY,
        targetY: points.targetY,
        hasLine: points.line !== ''
      };
    });
  }

  get readouts() {
    return (this.view?.readouts ?? []).map((r) => ({
      ...r,
      estimateShown: estimateText(r),
      reasonItems: r.reasons.map((text, i) => ({ key: `${r.readoutKey}-${i}`, text })),
      signOffText: r.decision
        ? `${r.decision} by ${r.decidedBy || 'unknown'}${r.secondApprover ? `, second approver ${r.secondApprover}` : ''}${r.overrideReason ? ` (override: ${r.overrideReason})` : ''}`
        : 'Not signed',
      canDecide: Boolean(this.view?.canDecide && r.readoutId && !r.published),
      isDeciding: this.deciding?.readoutId === r.readoutId
    }));
  }

  /** The rollout audit's three sections (data quality, handoff reliability, support burden) as tiles. */
  get auditSections() {
    return (this.view?.audit?.sections ?? []).map((s) => ({
      ...s,
      headingId: `audit-${s.key}`,
      tileClass: `slds-box tile audit-${s.status}`,
      statusClass: AUDIT_THEMES[s.status] || 'slds-badge',
      figureItems: s.figures.map((text, i) => ({ key: `${s.key}-${i}`, text }))
    }));
  }

  get hasReadouts() {
    return this.readouts.length > 0;
  }

  get decisionOptions() {
    return (this.view?.decisions ?? []).map((d) => ({ label: d, value: d }));
  }

  get approverOptions() {
    return [{ label: 'None', value: '' }, ...(this.view?.approvers ?? []).map((a) => ({ label: a.name, value: a.id }))];
  }

  get overrides() {
    const r = this.view?.readouts.find((x) => x.readoutId === this.deciding?.readoutId);
    return Boolean(r && this.deciding.decision && this.deciding.decision !== r.recommendation);
  }

  get decideErrorText() {
    return this.decideError ? errorText(this.decideError) : '';
  }

  handleStartDecision(event) {
    const id = event.target.dataset.readoutId;
    const r = this.view.readouts.find((x) => x.readoutId === id);
    this.deciding = { readoutId: id, decision: r.recommendation, reason: '', approver: '' };
    this.decideError = undefined;
  }

  handleCancel() {
    this.deciding = undefined;
    this.decideError = undefined;
  }

  handleDecision(event) {
    this.deciding = { ...this.deciding, decision: event.detail.value };
  }

  handleReason(event) {
    this.deciding = { ...this.deciding, reason: event.target.value };
  }

  handleApprover(event) {
    this.deciding = { ...this.deciding, approver: event.detail.value };
  }

  async handleSubmit() {
    this.saving = true;
    try {
      this.view = await decideReadout({
        readoutId: this.deciding.readoutId,
        decision: this.deciding.decision,
        overrideReason: this.deciding.reason || null,
        secondApproverId: this.deciding.approver || null,
        asOf: this.asOfValue || null
      });
      this.deciding = undefined;
      this.decideError = undefined;
    } catch (error) {
      this.decideError = error;
    } finally {
      this.saving = false;
    }
  }
}
