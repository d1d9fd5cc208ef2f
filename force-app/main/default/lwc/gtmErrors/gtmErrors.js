/**
 * What went wrong, in words a person can act on, from whatever an Apex call or the wire service rejected with:
 * AuraHandledException bodies, DML page errors, field errors, plain Errors, strings.
 */
export function errorMessages(error) {
  const errors = Array.isArray(error) ? error : [error];
  const out = [];
  for (const e of errors) {
    if (!e) continue;
    if (typeof e === 'string') {
      out.push(e);
      continue;
    }
    const body = e.body;
    if (Array.isArray(body)) {
      body.forEach((b) => b && b.message && out.push(b.message));
    } else if (body) {
      if (Array.isArray(body.pageErrors)) body.pageErrors.forEach((p) => p.message && out.push(p.message));
      if (body.fieldErrors) {
        Object.values(body.fieldErrors).forEach((list) => list.forEach((f) => f.message && out.push(f.message)));
      }
      if (typeof body.message === 'string' && body.message) out.push(body.message);
    } else if (typeof e.message === 'string' && e.message) {
      out.push(e.message);
    }
  }
  return out.length
    ? [...new Set(out)]
    : ['Something went wrong and no reason was given. Reload the page and try again.'];
}

/** All messages as one sentence for a toast or an inline alert. */
export function errorText(error) {
  return errorMessages(error).join(' ');
}
