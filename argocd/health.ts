/**
 * Argo CD resource health customizations (Lua 5.1, run by Argo CD's gopher-lua).
 *
 * Since Argo CD 1.8 an Application's own health is not assessed, so the root app-of-apps would
 * not wait for a child Application to be healthy before syncing the next wave, and the waves
 * would order nothing. This check reports a child Application's health as its status says.
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
end
return hs
`;
