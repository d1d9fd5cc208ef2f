import { createElement } from 'lwc';
import UsageShareChart from 'c/usageShareChart';

const week = (n, ticketsTotal, share, qualifies = false) => ({
  isoWeek: `2026-W0${n}`,
  weekStart: `2026-01-0${n}`,
  ticketsTotal,
  aiResolved: Math.round(ticketsTotal * share),
  share,
  qualifies,
  complete: true
});

function mount(props) {
  const element = createElement('c-usage-share-chart', { is: UsageShareChart });
  Object.assign(element, props);
  document.body.appendChild(element);
  return element;
}

const numbers = (nodes, attr) => Array.from(nodes).map((n) => Number(n.getAttribute(attr)));

describe('c-usage-share-chart', () => {
  afterEach(() => {
    while (document.body.firstChild) document.body.removeChild(document.body.firstChild);
  });

  it('renders nothing without weeks', () => {
    const element = mount({ weeks: [], threshold: 0.4 });
    expect(element.shadowRoot.querySelector('svg')).toBeNull();
    expect(element.shadowRoot.querySelector('table')).toBeNull();
  });

  it('draws weeks without tickets as empty bars, never NaN', () => {
    const element = mount({ weeks: [week(1, 0, 0), week(2, 0, 0)], threshold: 0.4 });
    const bars = element.shadowRoot.querySelectorAll('rect[data-kind="bar"]');
    expect(numbers(bars, 'height')).toEqual([0, 0]);
    expect(numbers(bars, 'y').every(Number.isFinite)).toBe(true);
  });

  it('keeps shares above 100% inside the plot and omits the threshold line when none is given', () => {
    const element = mount({ weeks: [week(1, 100, 0.2), week(2, 100, 1.3, true)] });
    const marker = element.shadowRoot.querySelector('polygon[data-kind="qualifying-marker"]');
    const top = Math.min(
      ...marker
        .getAttribute('points')
        .split(/[ ,]/)
        .map(Number)
        .filter((_, i) => i % 2 === 1)
    );
    expect(top).toBeGreaterThanOrEqual(24 - 6);
    expect(element.shadowRoot.querySelector('line[data-kind="threshold"]')).toBeNull();
    expect(element.shadowRoot.querySelector('svg').getAttribute('aria-label')).toContain('1 of 2 weeks qualify');
  });

  it('draws a higher share higher and the threshold where its share would be', () => {
    const element = mount({ weeks: [week(1, 100, 0.2), week(2, 100, 0.4)], threshold: 0.4 });
    const points = element.shadowRoot.querySelectorAll('circle[data-kind="point"]');
    const [low, high] = numbers(points, 'cy');
    expect(high).toBeLessThan(low);
    const threshold = element.shadowRoot.querySelector('line[data-kind="threshold"]');
    expect(Number(threshold.getAttribute('y1'))).toBe(high);
  });

  // issue 14: no tooltip values on the chart
  it('gives every week a hover target whose tooltip carries its share, tickets and verdict', () => {
    const element = mount({ weeks: [week(1, 100, 0.2), week(2, 120, 0.45, true)], threshold: 0.4, minTickets: 50 });
    const targets = element.shadowRoot.querySelectorAll('rect[data-kind="week-target"]');
    expect(targets).toHaveLength(2);
    const tips = Array.from(targets).map((t) => t.querySelector('title').textContent.trim());
    expect(tips[0]).toMatch(
      /^2026-W01 \(week of .+\): 20% AI resolution share, 20 of 100 tickets resolved by AI; does not qualify$/
    );
    expect(tips[1]).toContain('45% AI resolution share, 54 of 120 tickets resolved by AI; qualifies');
    // the targets cover the plot side by side, so the whole column answers the pointer
    expect(Number(targets[1].getAttribute('x'))).toBeCloseTo(
      Number(targets[0].getAttribute('x')) + Number(targets[0].getAttribute('width')),
      0
    );
  });

  // issue 14: no line for the weekly ticket minimum (the policy value the panel passes, never a literal)
  it('draws the weekly ticket minimum as a labelled line on the ticket scale', () => {
    const element = mount({ weeks: [week(1, 100, 0.2), week(2, 200, 0.45, true)], threshold: 0.4, minTickets: 50 });
    const line = element.shadowRoot.querySelector('line[data-kind="min-tickets"]');
    const bars = element.shadowRoot.querySelectorAll('rect[data-kind="bar"]');
    const busiest = bars[1];
    const bottom = Number(busiest.getAttribute('y')) + Number(busiest.getAttribute('height'));
    // 50 of 200 tickets: a quarter of the busiest bar's height above the baseline
    expect(bottom - Number(line.getAttribute('y1'))).toBeCloseTo(Number(busiest.getAttribute('height')) / 4, 0);
    expect(element.shadowRoot.querySelector('[data-kind="min-tickets-label"]').textContent.trim()).toBe(
      'Min 50 tickets'
    );
    expect(element.shadowRoot.querySelector('figcaption').textContent).toContain('50-ticket weekly minimum');
  });

  it('raises the ticket scale to the minimum when no week reaches it, and draws no line without one', () => {
    const element = mount({ weeks: [week(1, 20, 0.5)], threshold: 0.4, minTickets: 80 });
    const bar = element.shadowRoot.querySelector('rect[data-kind="bar"]');
    const line = element.shadowRoot.querySelector('line[data-kind="min-tickets"]');
    expect(Number(line.getAttribute('y1'))).toBe(24);
    expect(Number(bar.getAttribute('height'))).toBeCloseTo((20 / 80) * 188, 0);
    const without = mount({ weeks: [week(1, 20, 0.5)], threshold: 0.4 });
    expect(without.shadowRoot.querySelector('line[data-kind="min-tickets"]')).toBeNull();
  });

  it('keeps the minimum label clear of the threshold label when the lines are close', () => {
    // share 40% sits 60% down the plot; 60 of 100 tickets sits at the same height
    const element = mount({ weeks: [week(1, 100, 0.4, true)], threshold: 0.4, minTickets: 40 });
    const a = Number(element.shadowRoot.querySelector('[data-kind="threshold-label"]').getAttribute('y'));
    const b = Number(element.shadowRoot.querySelector('[data-kind="min-tickets-label"]').getAttribute('y'));
    expect(Math.abs(a - b)).toBeGreaterThanOrEqual(13);
  });
});
