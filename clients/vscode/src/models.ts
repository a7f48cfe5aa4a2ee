/**
 * The entries of "Choose Model…", from the server's `hushcode/listModels` (pure: tested without VS Code).
 *
 * The server lists the catalog's files and the GGUFs it found on this machine (Ollama, LM Studio,
 * the Hugging Face cache, its own cache). Groups: installed catalog files, models found on this
 * machine, catalog files to download, and last the found models without fill-in-the-middle tokens,
 * which hushcode cannot complete with: shown so that the user knows why, but not selectable.
 */

export interface ListedModel {
  id: string;
  name: string;
  source?: string; // "catalog", "hushcode", "ollama", "lmstudio", "huggingface"
  params?: string | null;
  variant?: string | null;
  quant?: string | null;
  path: string;
  installed: boolean;
  default: boolean;
  fim?: string | null;
  usable?: boolean;
  license?: string;
}

export interface ModelChoice {
  label: string;
  description: string;
  detail: string;
  path?: string; // pick to use this file
  pull?: string; // pick to download this catalog id
  unusable?: boolean; // pick only to be told why it cannot be used
}

export interface ModelGroup {
  title: string;
  choices: ModelChoice[];
}

const SOURCES: Record<string, string> = {
  hushcode: 'hushcode cache', ollama: 'Ollama', lmstudio: 'LM Studio', huggingface: 'Hugging Face cache',
};

export const NO_FIM = 'no fill-in-the-middle tokens: hushcode cannot complete with it';

function choice(m: ListedModel, current: string | null): ModelChoice {
  const catalog = (m.source ?? 'catalog') === 'catalog';
  const usable = m.usable !== false;
  const facts = [
    catalog ? undefined : SOURCES[m.source ?? ''] ?? m.source,
    m.params, m.variant, m.quant,
    m.fim ? `${m.fim} FIM` : undefined,
    m.license && m.license !== 'unknown' ? m.license : undefined,
    m.default ? 'default' : undefined,
  ];
  let detail = m.path;
  if (!usable) {
    detail = `${NO_FIM} (${m.path})`;
  } else if (!m.installed) {
    detail = `Pick to download it: hushcode models pull ${m.id}`;
  }
  return {
    label: `${m.path === current ? '$(check) ' : ''}${m.name}`,
    description: facts.filter(Boolean).join(' · '),
    detail,
    path: usable && m.installed ? m.path : undefined,
    pull: catalog && !m.installed ? m.id : undefined,
    unusable: usable ? undefined : true,
  };
}

/** The menu's groups, in order; empty groups are left out. */
export function modelGroups(models: ListedModel[], current: string | null): ModelGroup[] {
  const catalog = (m: ListedModel) => (m.source ?? 'catalog') === 'catalog';
  const groups: ModelGroup[] = [
    { title: 'installed', choices: models.filter((m) => catalog(m) && m.installed).map((m) => choice(m, current)) },
    {
      title: 'found on this machine',
      choices: models.filter((m) => !catalog(m) && m.usable !== false).map((m) => choice(m, current)),
    },
    { title: 'not installed', choices: models.filter((m) => catalog(m) && !m.installed).map((m) => choice(m, current)) },
    {
      title: 'found, without FIM tokens (cannot be used)',
      choices: models.filter((m) => !catalog(m) && m.usable === false).map((m) => choice(m, current)),
    },
  ];
  return groups.filter((g) => g.choices.length > 0);
}
