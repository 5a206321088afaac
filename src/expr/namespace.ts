/**
 * Jinja2's `namespace()`: an attribute bag. `{% set ns.attr = v %}` changes it in place, so a
 * value set inside a loop is still there after the loop.
 */
export class Namespace {
  constructor(readonly attrs: Record<string, unknown>) {}
}
