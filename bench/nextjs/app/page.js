import Calls from './calls.js';

export default function Page() {
  return <Calls />;
}
