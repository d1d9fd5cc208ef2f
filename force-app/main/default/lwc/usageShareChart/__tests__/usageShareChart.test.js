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
});
