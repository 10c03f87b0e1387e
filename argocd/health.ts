/**
 * Argo CD resource health customizations (Lua 5.1, run by Argo CD's gopher-lua), as argocd-cm
 * `resource.customizations.health.<group>_<kind>` keys.
 *
 * What Argo CD's Lua sandbox offers (util/lua/lua.go): the base, table and package libraries, and
 * a safe `os` with `os.time()` and `os.date()` only (`local os = require("os")`). The string and
 * math libraries are off unless argocd-cm sets `resource.customizations.useOpenLibs.<group>_<kind>:
 * "true"`; a script that calls `string.match` without it errors, and an erroring script reports
 * Unknown. `os.time()` is the controller's clock: Argo CD evaluates health again on every refresh
 * of the Application (at least every `timeout.reconciliation`, 3 minutes by default) and on every
 * step of a sync, so a check that compares the clock with a timestamp in the object changes its
 * verdict as time passes, without the object changing.
 */
import { READINESS_GATES, Workflow } from '../lib/component';
import { BootstrapStep, stepReference } from './steps';

export const HEALTH_KEY_PREFIX = 'resource.customizations.health.';
export const OPEN_LIBS_KEY_PREFIX = 'resource.customizations.useOpenLibs.';

/** One health customization: the kind it assesses and its Lua. */
export interface HealthCheck {
  /** API group, e.g. `external-secrets.io` (empty for the core group). */
  readonly group: string;
  readonly kind: string;
  readonly lua: string;
  /** Turn on Lua's standard libraries (string, math) for this kind; off by default in Argo CD. */
  readonly useOpenLibs: boolean;
}

/** `<group>_<kind>`, as argocd-cm keys spell a kind (`Kind` alone for the core group). */
export function groupKind(check: Pick<HealthCheck, 'group' | 'kind'>): string {
  return check.group ? `${check.group}_${check.kind}` : check.kind;
}

export function healthKey(check: Pick<HealthCheck, 'group' | 'kind'>): string {
  return `${HEALTH_KEY_PREFIX}${groupKind(check)}`;
}

/** The argocd-cm entries of some health checks: the script, and the open-libs switch where needed. */
export function argoCdCmEntries(checks: readonly HealthCheck[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const c of checks) {
    const key = healthKey(c);
    if (key in out) throw new Error(`argocd health: two checks for ${groupKind(c)}; keep one per kind`);
    out[key] = c.lua;
    if (c.useOpenLibs) out[`${OPEN_LIBS_KEY_PREFIX}${groupKind(c)}`] = 'true';
  }
  return out;
}

/**
 * Since Argo CD 1.8 an Application's own health is not assessed, so the root app-of-apps would
 * not wait for a child Application to be healthy before syncing the next wave, and the waves
 * would order nothing. This check reports a child Application's health as its status says, with
 * its sync operation taken into account: Argo CD leaves hooks out of an Application's health, so
 * a child whose PostSync readiness gate Job (charts/readiness-gates) still runs, or failed, has
 * `status.health` Healthy. A Healthy child whose sync is still running (retries included) is
 * Progressing here, and one whose last sync Failed or Errored (retries used up) is Degraded with
 * the sync's message, so the waves after a gate wait until it passes. A new commit or
 * `argocd app sync <name>` starts a new sync, and the verdict follows it.
 */
export const APPLICATION_HEALTH_KEY = 'resource.customizations.health.argoproj.io_Application';

export const APPLICATION_HEALTH_LUA = `hs = {}
hs.status = "Progressing"
hs.message = ""
if obj.status ~= nil then
  if obj.status.health ~= nil then
    hs.status = obj.status.health.status
    if obj.status.health.message ~= nil then
      hs.message = obj.status.health.message
    end
  end
  local op = obj.status.operationState
  if hs.status == "Healthy" and op ~= nil then
    local detail = ""
    if op.message ~= nil then
      detail = ": " .. op.message
    end
    if op.phase == "Running" or op.phase == "Terminating" then
      hs.status = "Progressing"
      hs.message = "sync " .. op.phase .. detail
    elseif op.phase == "Failed" or op.phase == "Error" then
      hs.status = "Degraded"
      hs.message = "last sync " .. op.phase .. detail
    end
  end
end
return hs
`;

/** A kind whose objects cannot be Ready until the operator has done a step of the bootstrap README. */
export interface HumanStepWait {
  readonly group: string;
  readonly kind: string;
  /** What the object waits for, e.g. `OpenBao to be seeded`. */
  readonly waitingFor: string;
  readonly step: BootstrapStep;
  /** How long after its creation waiting is expected: the readiness gate of the object's wave. */
  readonly gateSeconds: number;
  /**
   * A status field set once the object has been Ready (e.g. an ExternalSecret's `refreshTime`): an
   * object that has been Ready before and is not now has a real error, not a step to wait for.
   */
  readonly readyOnceField?: string;
}

function luaString(s: string): string {
  if (!/^[\x20-\x7e]*$/.test(s)) throw new Error(`argocd health: "${s}" must be printable ASCII to be a Lua string`);
  return JSON.stringify(s);
}

/**
 * Health of an object that waits for a human step: Healthy once its `Ready` condition is True.
 * Not Ready yet, it is Progressing with a message naming the step, so the sync of its wave (and
 * the root app-of-apps' sync) waits instead of failing, for the readiness gate of its wave after
 * the object was created. Past the gate it is Degraded with the same message: a step forgotten
 * or a real error does not hide behind "Progressing" forever, and the platform alert on
 * Applications that stay unhealthy past their gate fires. An object that was Ready before and is
 * not now (`readyOnceField`) is Degraded at once. Timestamps are RFC 3339 in UTC, as the API
 * server writes them; they are converted to Unix time without `os.time{...}`, which would read
 * them in the controller's local time zone.
 */
export function humanStepWaitLua(w: HumanStepWait): string {
  if (!Number.isInteger(w.gateSeconds) || w.gateSeconds <= 0) throw new Error(`argocd health: gateSeconds ${w.gateSeconds} must be a positive integer`);
  const waiting = `waiting for ${w.waitingFor}: ${stepReference(w.step)}`;
  const readyOnce = w.readyOnceField
    ? `if obj.status ~= nil and obj.status.${w.readyOnceField} ~= nil then
  hs.status = "Degraded"
  hs.message = detail
  return hs
end
`
    : '';
  return `-- ${w.kind}: Healthy once Ready. Until then "${waiting}": Progressing for
-- ${w.gateSeconds}s after its creation (its wave's readiness gate), Degraded with the same message after.
local os = require("os")
local GATE_SECONDS = ${w.gateSeconds}
local WAITING = ${luaString(waiting)}

-- Unix time of an RFC 3339 UTC timestamp (days from the civil date, no time zone involved).
local function unixTime(ts)
  if type(ts) ~= "string" then
    return nil
  end
  local y, mo, d, h, mi, s = string.match(ts, "^(%d%d%d%d)-(%d%d)-(%d%d)T(%d%d):(%d%d):(%d%d)")
  if y == nil then
    return nil
  end
  y, mo, d = tonumber(y), tonumber(mo), tonumber(d)
  if mo <= 2 then
    y = y - 1
  end
  local era = (y - y % 400) / 400
  local yoe = y - era * 400
  local mp = (mo + 9) % 12
  local doy = (153 * mp + 2 - (153 * mp + 2) % 5) / 5 + d - 1
  local doe = yoe * 365 + (yoe - yoe % 4) / 4 - (yoe - yoe % 100) / 100 + doy
  return (era * 146097 + doe - 719468) * 86400 + tonumber(h) * 3600 + tonumber(mi) * 60 + tonumber(s)
end

local hs = {}
if obj.metadata ~= nil and obj.metadata.deletionTimestamp ~= nil then
  hs.status = "Progressing"
  hs.message = "Pending deletion"
  return hs
end
local ready = nil
if obj.status ~= nil and obj.status.conditions ~= nil then
  for _, condition in ipairs(obj.status.conditions) do
    if condition.type == "Ready" then
      ready = condition
    end
  end
end
if ready ~= nil and ready.status == "True" then
  hs.status = "Healthy"
  hs.message = ready.message or ""
  return hs
end
local detail = "not reconciled yet"
if ready ~= nil and ready.message ~= nil then
  detail = ready.message
end
${readyOnce}local message = WAITING .. " (" .. detail .. ")"
local created = nil
if obj.metadata ~= nil then
  created = unixTime(obj.metadata.creationTimestamp)
end
if created == nil then
  hs.status = "Degraded"
  hs.message = message .. "; no creationTimestamp to measure the " .. GATE_SECONDS .. "s readiness gate from"
  return hs
end
local age = os.time() - created
if age > GATE_SECONDS then
  hs.status = "Degraded"
  hs.message = message .. "; not Ready " .. age .. "s after creation, past the " .. GATE_SECONDS .. "s readiness gate"
  return hs
end
hs.status = "Progressing"
hs.message = message
return hs
`;
}

export function humanStepWaitCheck(w: HumanStepWait): HealthCheck {
  return { group: w.group, kind: w.kind, lua: humanStepWaitLua(w), useOpenLibs: true };
}

/**
 * The External Secrets objects of `external-secrets-config` (workflow 5, Security), which cannot
 * be Ready on a fresh install until the operator seeds OpenBao (README step "Seed OpenBao"):
 * without these, an ExternalSecret is Degraded from its first reconcile (Argo CD's built-in
 * check), the wave's sync fails, and the root app-of-apps' sync with it. Each namespace's
 * SecretStore waits for OpenBao to accept its login: OpenBao must have finished its
 * self-initialisation (the `openbao` Application is Healthy before that: its pods are ready while
 * still sealed) and the operator must have run the reconcile step that creates the namespace's
 * `eso-<namespace>` role (self-initialisation creates none), both part of the same step.
 */
export const OPENBAO_SEEDING_GATE_SECONDS = READINESS_GATES[Workflow.Security].timeoutSeconds;

export const BOOTSTRAP_HEALTH_CHECKS: readonly HealthCheck[] = [
  humanStepWaitCheck({
    group: 'external-secrets.io',
    kind: 'ExternalSecret',
    waitingFor: 'OpenBao to be seeded',
    step: 'seedOpenBao',
    gateSeconds: OPENBAO_SEEDING_GATE_SECONDS,
    readyOnceField: 'refreshTime',
  }),
  humanStepWaitCheck({
    group: 'external-secrets.io',
    kind: 'SecretStore',
    waitingFor: 'OpenBao to initialise and the reconcile step to create the eso-<namespace> role',
    step: 'seedOpenBao',
    gateSeconds: OPENBAO_SEEDING_GATE_SECONDS,
  }),
];
