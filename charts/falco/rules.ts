/**
 * The platform's Falco rules, loaded after the upstream ruleset (falco-rules, installed by
 * falcoctl), whose macros they build on: `spawned_process`, `container`, `shell_procs`,
 * `open_write`, `outbound` (connections to non-RFC1918 addresses). Each rule has a tuning macro
 * (`never_true` until someone names an exception), so exceptions are added by overriding one
 * macro, never by editing the condition.
 */
import * as yaml from 'js-yaml';

export type FalcoPriority = 'EMERGENCY' | 'ALERT' | 'CRITICAL' | 'ERROR' | 'WARNING' | 'NOTICE' | 'INFORMATIONAL' | 'DEBUG';

export interface FalcoRule {
  readonly rule: string;
  readonly desc: string;
  readonly condition: string;
  readonly output: string;
  readonly priority: FalcoPriority;
  readonly tags: readonly string[];
}

export interface FalcoMacro {
  readonly macro: string;
  readonly condition: string;
}

export interface FalcoList {
  readonly list: string;
  readonly items: readonly string[];
}

export type FalcoRuleItem = FalcoRule | FalcoMacro | FalcoList;

export interface PlatformRulesInputs {
  /** Namespace whose pods must not connect out of the private network unexpectedly. */
  readonly dataNamespace: string;
  /** Processes there that may reach public endpoints on 443 (backups to S3). */
  readonly dataEgressProcesses: readonly string[];
}

const CONTEXT = 'ns=%k8s.ns.name pod=%k8s.pod.name container=%container.name image=%container.image.repository';

export function platformRules(inputs: PlatformRulesInputs): FalcoRuleItem[] {
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(inputs.dataNamespace)) {
    throw new Error(`falco: dataNamespace "${inputs.dataNamespace}" is not a namespace name`);
  }
  return [
    { macro: 'platform_shell_expected', condition: '(never_true)' },
    {
      rule: 'Platform shell in container',
      desc: 'A shell started inside a container by an exec session or an interactive terminal rather than by the container entrypoint.',
      condition: 'spawned_process and container and shell_procs and (proc.tty != 0 or proc.pname in (runc, "runc:[2:INIT]", containerd-shim)) and not platform_shell_expected',
      output: `Shell in container (user=%user.name shell=%proc.name parent=%proc.pname cmdline=%proc.cmdline tty=%proc.tty ${CONTEXT})`,
      priority: 'WARNING',
      tags: ['platform', 'container', 'shell', 'mitre_execution', 'T1059'],
    },
    { macro: 'platform_etc_writer_expected', condition: '(never_true)' },
    {
      rule: 'Platform write below etc in container',
      desc: 'A process in a container opened a file below /etc for writing: configuration or credentials being changed at runtime.',
      condition: 'open_write and container and fd.name startswith /etc/ and not platform_etc_writer_expected',
      output: `File below /etc opened for writing (file=%fd.name process=%proc.name cmdline=%proc.cmdline user=%user.name ${CONTEXT})`,
      priority: 'ERROR',
      tags: ['platform', 'container', 'filesystem', 'mitre_persistence', 'T1543'],
    },
    { list: 'platform_data_egress_processes', items: [...inputs.dataEgressProcesses] },
    {
      macro: 'platform_data_egress_expected',
      condition: '(fd.sport = 443 and proc.name in (platform_data_egress_processes))',
    },
    {
      rule: 'Platform unexpected outbound connection from data namespace',
      desc: `A pod in the ${inputs.dataNamespace} namespace connected to an address outside the private network; only named backup processes may reach public HTTPS endpoints.`,
      condition: `outbound and container and k8s.ns.name = "${inputs.dataNamespace}" and not platform_data_egress_expected`,
      output: `Unexpected outbound connection from the data namespace (connection=%fd.name process=%proc.name cmdline=%proc.cmdline ${CONTEXT})`,
      priority: 'CRITICAL',
      tags: ['platform', 'container', 'network', 'mitre_exfiltration', 'T1041'],
    },
  ];
}

/** The rules file as `customRules` takes it (one YAML document). */
export function rulesFile(items: readonly FalcoRuleItem[]): string {
  return yaml.dump(items, { lineWidth: -1, noRefs: true, quotingType: '"' });
}
