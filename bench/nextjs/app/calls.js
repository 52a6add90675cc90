'use client';
// The client side of the page: how a browser calls the server actions.
import { useState } from 'react';
import { add, insertRow, whoami } from './actions.js';

export default function Calls() {
  const [result, setResult] = useState(null);
  const show = (promise) => promise.then((value) => setResult(JSON.stringify(value)));
  return (
    <main>
      <button onClick={() => show(add(1, 2))}>add(1, 2)</button>
      <button onClick={() => show(insertRow('bench', 42))}>insertRow</button>
      <button onClick={() => show(whoami())}>whoami</button>
      <output>{result}</output>
    </main>
  );
}
