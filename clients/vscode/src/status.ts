/**
 * What the status bar item says, from the server's `hushcode/status` notification (or the
 * `hushcode/getStatus` answer) and the extension's own state.
 *
 * Pure: no `vscode` import, so the unit tests run in plain Node.
 */

/** The fields of `hushcode/status` that the extension shows. */
export interface ServerStatus {
  state: 'loading' | 'ready' | 'restarting' | 'error' | 'stopped' | string;
  model?: string | null;
  modelPath?: string | null;
  template?: string | null;
  message?: string | null;
  lastLatencyMs?: number | null;
  latencyP50Ms?: number | null; // median time to the model's last 100 suggestions shown
  withheld?: number; // suggestions held back for low confidence (completion.minConfidence)
  lastWithheld?: string | null; // ...and why, the last time
  reusedTokens?: number | null;
  evaluatedTokens?: number | null;
  generatedTokens?: number | null;
  requests?: number;
  answered?: number;
  restarts?: number;
  engineKind?: string | null; // "local", or the protocol of a shared server
  engineUrl?: string | null; // where code is sent, for a shared server
}

/** The client's side: is the server process running, and are completions turned on. */
export type ClientState = 'starting' | 'running' | 'notFound' | 'stopped';

export interface StatusView {
  text: string; // with codicons, e.g. "$(sparkle) Qwen2.5 Coder 0.5B 240 ms"
  tooltip: string; // Markdown
  level: 'normal' | 'warning' | 'error';
}

function basename(file: string): string {
  return file.split(/[\\/]/).pop() ?? file;
}

function modelName(status: ServerStatus | undefined): string {
  const where = status?.engineUrl ? ` @ ${status.engineUrl}` : ''; // a shared server: always in sight
  return (status?.model || (status?.modelPath ? basename(status.modelPath) : '') || 'model') + where;
}

function figures(status: ServerStatus): string[] {
  const lines: string[] = [];
  if (status.lastLatencyMs != null) {
    const tokens = [
      status.reusedTokens != null ? `${status.reusedTokens} reused` : '',
      status.evaluatedTokens != null ? `${status.evaluatedTokens} evaluated` : '',
    ].filter(Boolean);
    const generated = status.generatedTokens != null ? `, ${status.generatedTokens} generated` : '';
    lines.push(`Last completion: ${Math.round(status.lastLatencyMs)} ms` +
      (tokens.length ? ` (prompt tokens: ${tokens.join(', ')}${generated})` : ''));
  }
  if (status.latencyP50Ms != null) {
    lines.push(`Median time to a suggestion: ${Math.round(status.latencyP50Ms)} ms (last 100 on this machine)`);
  }
  if (status.requests != null) {
    lines.push(`Requests: ${status.requests}, answered: ${status.answered ?? 0}`);
  }
  if (status.withheld) {
    lines.push(`Held back for low confidence: ${status.withheld}` +
      (status.lastWithheld ? ` (last: ${status.lastWithheld})` : ''));
  }
  return lines;
}

/** The status bar item's text, tooltip and colour. */
export function statusView(status: ServerStatus | undefined, client: ClientState, enabled: boolean): StatusView {
  const footer = '\n\nClick for the menu: toggle, choose model, show log, restart server.';
  if (client === 'notFound') {
    return { text: '$(warning) hushcode: no server', level: 'warning',
      tooltip: '**hushcode**: the `hushcode` server was not found. See the notification, or set `hushcode.server.command`.' + footer };
  }
  if (client === 'stopped') {
    return { text: '$(circle-slash) hushcode: stopped', level: 'warning', tooltip: '**hushcode**: the server is not running.' + footer };
  }
  if (client === 'starting' || status === undefined) {
    return { text: '$(loading~spin) hushcode', level: 'normal', tooltip: '**hushcode**: starting the server…' + footer };
  }
  const name = modelName(status);
  const about = [`**hushcode**: ${status.state}`, `Model: ${name}` +
    (status.template ? ` (FIM template: ${status.template})` : '') +
    (status.modelPath ? `  \n\`${status.modelPath}\`` : '')];
  if (status.message) {
    about.push(status.message);
  }
  const tooltip = [...about, ...figures(status)].join('\n\n') + footer;
  if (!enabled) {
    return { text: '$(circle-slash) hushcode: off', level: 'normal', tooltip };
  }
  switch (status.state) {
    case 'ready': {
      const latency = status.lastLatencyMs != null ? ` ${Math.round(status.lastLatencyMs)} ms` : '';
      return { text: `$(sparkle) ${name}${latency}`, level: 'normal', tooltip };
    }
    case 'loading':
      return { text: `$(loading~spin) loading ${name}`, level: 'normal', tooltip };
    case 'restarting':
      return { text: '$(loading~spin) hushcode: restarting', level: 'warning', tooltip };
    case 'error':
      return { text: '$(error) hushcode: error', level: 'error', tooltip };
    default:
      return { text: `$(circle-slash) hushcode: ${status.state}`, level: 'warning', tooltip };
  }
}

/** How the extension logs one line of the server's stderr: its level, without the timestamp. */
export function logLine(line: string): { level: 'error' | 'warn' | 'info'; text: string } {
  // The server's format: "2026-01-02 03:04:05,678 INFO hushcode.server: message"
  const match = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ (DEBUG|INFO|WARNING|ERROR|CRITICAL) (.*)$/.exec(line);
  if (!match) {
    return { level: 'info', text: line }; // e.g. llama.cpp's own output through the engine
  }
  const [, level, text] = match;
  if (level === 'ERROR' || level === 'CRITICAL') {
    return { level: 'error', text };
  }
  if (level === 'WARNING') {
    return { level: 'warn', text };
  }
  // DEBUG lines show at the output channel's default level too: hushcode.server.logLevel chooses them.
  return { level: 'info', text: level === 'DEBUG' ? `DEBUG ${text}` : text };
}
