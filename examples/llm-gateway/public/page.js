// Small DOM helpers shared by the playground's modules. Text is only ever set as text.

const ACTIVITY_ITEMS = 40;

/** @param {string} id */
export function byId(id) {
  const found = document.getElementById(id);
  if (!found) throw new Error(`the page has no #${id}`);
  return found;
}

/**
 * Creates an element; string children become text nodes.
 * @param {string} tag
 * @param {Record<string, string>} [attributes]
 * @param {Array<Node | string>} [children]
 */
export function element(tag, attributes = {}, children = []) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

/**
 * Adds a line to "What happened", newest first.
 * @param {string} text
 * @param {'info' | 'ok' | 'warn' | 'error'} [kind]
 */
export function note(text, kind = 'info') {
  const activity = byId('activity');
  const time = new Date().toLocaleTimeString('en-GB');
  activity.prepend(
    element('li', { class: `activity-${kind}` }, [element('time', {}, [time]), ` ${text}`]),
  );
  while (activity.childElementCount > ACTIVITY_ITEMS) activity.lastElementChild?.remove();
}

export const integer = new Intl.NumberFormat('en-US');

export const usd = new Intl.NumberFormat('en-US', {
  style: 'currency',
  currency: 'USD',
  maximumSignificantDigits: 3,
});

/** A wait for people: "42 s", "12 min", "5 h 59 min". @param {number} ms */
export function duration(ms) {
  const totalSeconds = Math.max(0, Math.ceil(ms / 1000));
  if (totalSeconds < 90) return `${totalSeconds} s`;
  const minutes = Math.ceil(totalSeconds / 60);
  if (minutes < 90) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}
