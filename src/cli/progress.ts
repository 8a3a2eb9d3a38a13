// Progress of long-running commands: a redrawn bar on a terminal, plain lines when
// output goes to a file or a pipe (only when something changed, at most once a second).

export interface ProgressState {
  label: string;
  maps: { total: number; succeeded: number; running: number };
  reduces: { total: number; succeeded: number; running: number };
  state: string;
}

const barWidth = 30;

function bar(done: number, total: number): string {
  const f = total === 0 ? 1 : done / total;
  const n = Math.round(f * barWidth);
  return `[${'#'.repeat(n)}${'.'.repeat(barWidth - n)}] ${Math.floor(f * 100).toString().padStart(3)}%`;
}

export class ProgressPrinter {
  private last = '';
  private lastAt = 0;
  private readonly tty: boolean;
  constructor(private readonly out: NodeJS.WriteStream = process.stderr) {
    this.tty = Boolean(out.isTTY) && process.env.TERM !== 'dumb';
  }

  update(p: ProgressState, force = false): void {
    const text = this.tty
      ? `${p.label} map ${bar(p.maps.succeeded, p.maps.total)} ${p.maps.succeeded}/${p.maps.total}  reduce ${bar(p.reduces.succeeded, p.reduces.total)} ${p.reduces.succeeded}/${p.reduces.total}`
      : `${p.label} ${p.state}: maps ${p.maps.succeeded}/${p.maps.total} done (${p.maps.running} running), reduces ${p.reduces.succeeded}/${p.reduces.total} done (${p.reduces.running} running)`;
    if (text === this.last) return;
    const now = Date.now();
    if (this.tty) {
      this.out.write(`\r${text}\x1b[K`);
    } else {
      if (!force && now - this.lastAt < 1_000) return;
      this.out.write(text + '\n');
    }
    this.last = text;
    this.lastAt = now;
  }

  done(): void {
    if (this.tty && this.last) this.out.write('\n');
    this.last = '';
  }
}
