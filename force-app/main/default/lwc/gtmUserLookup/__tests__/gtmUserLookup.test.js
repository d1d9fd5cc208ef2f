import { createElement } from '@lwc/engine-dom';
import GtmUserLookup from 'c/gtmUserLookup';
import searchOwners from '@salesforce/apex/GtmPilotScorecardController.searchOwners';

jest.mock('@salesforce/apex/GtmPilotScorecardController.searchOwners', () => ({ default: jest.fn() }), {
  virtual: true
});

const PEOPLE = [
  { id: '005Dn00000PrUserAAA', name: 'Priya Raman' },
  { id: '005Dn00000PeUserAAA', name: 'Peter Price' }
];

const flush = async () => {
  for (let i = 0; i < 4; i++) {
    // eslint-disable-next-line no-await-in-loop
    await Promise.resolve();
  }
};

function mount(props = {}) {
  const element = createElement('c-gtm-user-lookup', { is: GtmUserLookup });
  Object.assign(element, { label: 'Owner', ...props });
  document.body.appendChild(element);
  return element;
}

const input = (element) => element.shadowRoot.querySelector('input[data-id="lookup-input"]');
const options = (element) =>
  Array.from(element.shadowRoot.querySelectorAll('[role="option"]')).map((o) => o.textContent.trim());

async function type(element, text) {
  const box = input(element);
  box.value = text;
  box.dispatchEvent(new CustomEvent('input'));
  await flush();
}

const key = async (element, name) => {
  input(element).dispatchEvent(new KeyboardEvent('keydown', { key: name, bubbles: true }));
  await flush();
};

describe('c-gtm-user-lookup', () => {
  afterEach(() => {
    while (document.body.firstChild) document.body.removeChild(document.body.firstChild);
    jest.clearAllMocks();
  });

  it('shows the picked person and searches nothing for fewer than 2 letters', async () => {
    const element = mount({ value: PEOPLE[0].id, valueLabel: PEOPLE[0].name });
    await flush();
    expect(input(element).value).toBe('Priya Raman');
    await type(element, 'p');
    expect(searchOwners).not.toHaveBeenCalled();
    expect(element.shadowRoot.querySelector('[data-id="lookup-message"]').textContent).toBe(
      'Type 2 or more letters of a name.'
    );
    expect(input(element).getAttribute('aria-expanded')).toBe('false');
  });

  it('lists the people the server finds for the typed text, and Enter picks the highlighted one', async () => {
    searchOwners.mockResolvedValue({ users: PEOPLE });
    const element = mount();
    const picked = jest.fn();
    element.addEventListener('change', picked);
    await type(element, ' pri ');
    expect(searchOwners).toHaveBeenCalledWith({ query: 'pri' });
    expect(options(element)).toEqual(['Priya Raman', 'Peter Price']);
    expect(input(element).getAttribute('aria-expanded')).toBe('true');
    await key(element, 'ArrowDown');
    const keydown = new KeyboardEvent('keydown', { key: 'Enter', bubbles: true, composed: true });
    const outside = jest.fn();
    element.addEventListener('keydown', outside);
    input(element).dispatchEvent(keydown);
    await flush();
    expect(picked).toHaveBeenCalledTimes(1);
    expect(picked.mock.calls[0][0].detail).toEqual({ value: PEOPLE[1].id, label: 'Peter Price' });
    // Enter picked the person: the inline editor around it does not also take it as "save"
    expect(outside).not.toHaveBeenCalled();
    expect(input(element).value).toBe('Peter Price');
    expect(options(element)).toEqual([]);
  });

  it('says when nobody is found, and drops an answer that arrives after a newer search', async () => {
    let answerFirst;
    searchOwners
      .mockImplementationOnce(
        () =>
          new Promise((resolve) => {
            answerFirst = resolve;
          })
      )
      .mockResolvedValueOnce({ users: [] });
    const element = mount();
    await type(element, 'pe');
    await type(element, 'zz');
    answerFirst({ users: PEOPLE });
    await flush();
    expect(options(element)).toEqual([]);
    expect(element.shadowRoot.querySelector('[data-id="lookup-message"]').textContent).toBe('Nobody found for "zz".');
  });

  it('Escape closes the list without picking, and leaving the box restores the picked name', async () => {
    searchOwners.mockResolvedValue({ users: PEOPLE });
    const element = mount({ value: PEOPLE[0].id, valueLabel: PEOPLE[0].name });
    const picked = jest.fn();
    element.addEventListener('change', picked);
    await type(element, 'pe');
    await key(element, 'Escape');
    expect(options(element)).toEqual([]);
    input(element).dispatchEvent(new CustomEvent('blur'));
    await flush();
    expect(input(element).value).toBe('Priya Raman');
    expect(picked).not.toHaveBeenCalled();
  });
});
