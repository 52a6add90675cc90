/**
 * The page's regions: the parts the server rendered through a fragment (authstage/fragments.py),
 * each an element `data-authstage-region="<read's action ID>" data-authstage-args='{...}'`.
 *
 * Every form the script sends names the page's regions as its refresh list (single-flight
 * refresh, docs/protocol.md): the reply brings back the fresh HTML of those the action
 * revalidated, and `swap` puts it in place. Regions showing the same read with the same
 * arguments are sent once and all updated. Focus is kept across a swap: the element that had it
 * is found again in the new HTML by its `id`, or, for a button of a form (a todo's toggle), by
 * the form's hidden fields (`_action`, `_bound`, `_form` and the page's own).
 */

import { query } from "../codegen/tsruntime/refresh.js";
import type { Fresh, Query } from "../codegen/tsruntime/refresh.js";

/** The distinct reads of the page's regions, and the elements showing each. */
export interface Regions {
  queries: Query<unknown>[];
  elements: Element[][];
}

function argsOf(element: Element): Record<string, unknown> | undefined {
  const raw = element.getAttribute("data-authstage-args") ?? "{}";
  try {
    const args: unknown = JSON.parse(raw);
    if (typeof args === "object" && args !== null && !Array.isArray(args)) {
      return args as Record<string, unknown>;
    }
  } catch {
    // not JSON: skipped, as is any other value than an object
  }
  console.warn("authstage: bad data-authstage-args", element);
  return undefined;
}

/** The regions on the page, at most `limit` distinct reads (the server's `max_refresh_reads`). */
export function collectRegions(root: ParentNode, limit: number): Regions {
  const byKey = new Map<string, number>();
  const regions: Regions = { queries: [], elements: [] };
  for (const element of root.querySelectorAll("[data-authstage-region]")) {
    const id = element.getAttribute("data-authstage-region") ?? "";
    const args = argsOf(element);
    if (id === "" || args === undefined) {
      continue;
    }
    const key = JSON.stringify([id, args]);
    let index = byKey.get(key);
    if (index === undefined) {
      if (regions.queries.length >= limit) {
        console.warn("authstage: too many regions", element);
        continue;
      }
      index = regions.queries.push(query(id, args)) - 1;
      byKey.set(key, index);
      regions.elements.push([]);
    }
    regions.elements[index]?.push(element);
  }
  return regions;
}

/** A form's hidden fields (`_action`, `_bound`, an item's ID...): how it is found again. The
 * one-time `_once` key is left out: every rendering of a form has a new one. */
function formKey(form: HTMLFormElement | null): string | undefined {
  const all = form === null ? [] : Array.from(form.querySelectorAll<HTMLInputElement>('input[type="hidden"]'));
  const hidden = all.filter((input) => input.name !== "_once");
  return hidden.length === 0 ? undefined : hidden.map((input) => `${input.name}=${input.value}`).join("&");
}

function focusAgain(region: Element, id: string, key: string | undefined): void {
  const byId = id === "" ? null : document.getElementById(id);
  if (byId !== null && region.contains(byId)) {
    byId.focus();
    return;
  }
  for (const form of region.querySelectorAll("form")) {
    if (key !== undefined && formKey(form) === key) {
      const button = form.querySelector<HTMLElement>('button, input[type="submit"]');
      button?.focus();
      return;
    }
  }
}

/**
 * Put each refreshed read's HTML in its regions; a read that failed keeps its old HTML.
 * `focused` had the focus when the form was sent (its button, disabled while pending, has
 * lost it since): if it was in a region, its counterpart in the new HTML gets the focus.
 */
export function swap(regions: Regions, fresh: readonly Fresh<unknown>[], focused: Element | null): void {
  for (const [index, entry] of fresh.entries()) {
    if (!entry.refreshed) {
      continue;
    }
    if (!entry.ok || typeof entry.data !== "string") {
      console.warn("authstage: region not refreshed", regions.elements[index], entry);
      continue;
    }
    for (const element of regions.elements[index] ?? []) {
      const inside = focused instanceof HTMLElement && element.contains(focused);
      const id = inside ? focused.id : "";
      const key = inside && "form" in focused ? formKey(focused.form as HTMLFormElement | null) : undefined;
      element.innerHTML = entry.data;
      if (inside) {
        focusAgain(element, id, key);
      }
    }
  }
}
