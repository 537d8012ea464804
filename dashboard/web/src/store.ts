// A tiny observable store and the hook that re-renders on its changes.
import { useEffect, useState } from "preact/hooks";

export class Store<T> {
  private listeners = new Set<() => void>();
  constructor(public value: T) {}

  set(v: T): void {
    if (Object.is(v, this.value)) return;
    this.value = v;
    for (const l of Array.from(this.listeners)) l();
  }

  update(fn: (v: T) => T): void {
    this.set(fn(this.value));
  }

  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }
}

/** useStore returns the store's value and re-renders when it changes. */
export function useStore<T>(s: Store<T>): T {
  const [, setTick] = useState(0);
  const force = () => setTick((x) => x + 1);
  useEffect(() => {
    const seen = s.value;
    const off = s.subscribe(force);
    // A change between render and subscription is not missed.
    if (!Object.is(seen, s.value)) force();
    return off;
  }, [s]);
  return s.value;
}
