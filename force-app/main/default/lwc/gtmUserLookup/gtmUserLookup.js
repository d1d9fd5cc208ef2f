import { LightningElement, api } from 'lwc';
import searchOwners from '@salesforce/apex/GtmPilotScorecardController.searchOwners';
import { errorText } from 'c/gtmErrors';

/** Fewer typed characters search nothing (the server's OWNER_SEARCH_MIN too). */
const MIN_CHARS = 2;

/**
 * A user lookup as Salesforce's: type part of a name, pick from the people found (GtmPilotScorecardController
 * .searchOwners, at most 20 active users), instead of scrolling a list of every user. Fires `change` with
 * detail { value: userId, label: name } when a person is picked, like lightning-combobox. Keyboard: arrows move,
 * Enter picks (and is kept from the form around it), Escape closes.
 */
export default class GtmUserLookup extends LightningElement {
  @api label = 'User';
  /** the picked user's id */
  @api value;

  /** the picked user's name, shown in the box */
  @api
  get valueLabel() {
    return this._valueLabel;
  }
  set valueLabel(name) {
    this._valueLabel = name;
    if (!this.typing) this.inputText = name || '';
  }

  _valueLabel;
  inputText = '';

  /** puts the cursor in the search box (a blocker's step opens the editor at the owner) */
  @api
  focus() {
    const input = this.template.querySelector('input');
    if (input) input.focus();
  }
  results = [];
  isOpen = false;
  activeIndex = -1;
  message;
  typing = false;
  /** answers to an older query are dropped when a newer one was sent */
  sequence = 0;

  get comboboxClass() {
    return `slds-combobox slds-dropdown-trigger slds-dropdown-trigger_click${this.isOpen ? ' slds-is-open' : ''}`;
  }

  get ariaExpanded() {
    return this.isOpen ? 'true' : 'false';
  }

  get options() {
    return this.results.map((user, i) => ({
      id: user.id,
      name: user.name,
      domId: `option-${i}`,
      selected: i === this.activeIndex ? 'true' : 'false',
      className: `slds-media slds-listbox__option slds-listbox__option_entity${
        i === this.activeIndex ? ' slds-has-focus' : ''
      }`
    }));
  }

  get activeOptionId() {
    if (!this.isOpen || this.activeIndex < 0) return undefined;
    const option = this.template.querySelector(`[data-user="${this.results[this.activeIndex].id}"]`);
    return option ? option.id : undefined;
  }

  async handleInput(event) {
    this.typing = true;
    this.inputText = event.target.value;
    const query = this.inputText.trim();
    const sequence = ++this.sequence;
    if (query.length < MIN_CHARS) {
      this.close();
      this.message = query.length ? `Type ${MIN_CHARS} or more letters of a name.` : undefined;
      return;
    }
    try {
      const answer = await searchOwners({ query });
      if (sequence !== this.sequence) return;
      this.results = answer.users;
      this.activeIndex = this.results.length ? 0 : -1;
      this.isOpen = this.results.length > 0;
      this.message = this.results.length ? undefined : `Nobody found for "${query}".`;
    } catch (error) {
      if (sequence !== this.sequence) return;
      this.close();
      this.message = `People could not be searched. ${errorText(error)}`;
    }
  }

  handleKeydown(event) {
    if (!this.isOpen) return;
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      const step = event.key === 'ArrowDown' ? 1 : -1;
      this.activeIndex = (this.activeIndex + step + this.results.length) % this.results.length;
    } else if (event.key === 'Enter') {
      // Enter picks here; the inline editor around must not take it as "save"
      event.preventDefault();
      event.stopPropagation();
      if (this.activeIndex >= 0) this.pick(this.results[this.activeIndex]);
    } else if (event.key === 'Escape') {
      event.stopPropagation();
      this.close();
    }
  }

  handlePick(event) {
    // mousedown, so the pick happens before the input's blur closes the list
    event.preventDefault();
    const user = this.results.find((u) => u.id === event.currentTarget.dataset.user);
    if (user) this.pick(user);
  }

  handleBlur() {
    this.close();
    // a half-typed name picks nobody: the box shows the picked person again
    this.typing = false;
    this.inputText = this._valueLabel || '';
  }

  pick(user) {
    this.typing = false;
    this._valueLabel = user.name;
    this.inputText = user.name;
    this.message = undefined;
    this.close();
    this.dispatchEvent(new CustomEvent('change', { detail: { value: user.id, label: user.name } }));
  }

  close() {
    this.isOpen = false;
    this.results = [];
    this.activeIndex = -1;
  }
}
