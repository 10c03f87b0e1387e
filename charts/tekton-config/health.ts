/**
 * Argo CD health check for the TektonConfig (Lua 5.1, run by Argo CD's gopher-lua), passed into
 * argocd-cm by the GitOps workflow. Without it Argo CD has no health for the kind and treats the
 * object as healthy at once, so the Tasks in the next sync wave of tekton-config would be applied
 * before the operator has installed Tekton Pipelines and its CRDs.
 *
 * The operator reports knative conditions: `Ready` True once every component is installed. It also
 * sets `Ready` False while components are still installing or upgrading (ComponentsReady False),
 * so False is Progressing with the operator's message, not Degraded: a failed install shows as an
 * Application that never turns healthy, and the sync's retry limit reports it.
 */
export const TEKTONCONFIG_HEALTH_KEY = 'resource.customizations.health.operator.tekton.dev_TektonConfig';

export const TEKTONCONFIG_HEALTH_LUA = `hs = {}
hs.status = "Progressing"
hs.message = "Waiting for the operator to install Tekton"
if obj.status ~= nil and obj.status.conditions ~= nil then
  for _, condition in ipairs(obj.status.conditions) do
    if condition.type == "Ready" then
      if condition.message ~= nil then
        hs.message = condition.message
      end
      if condition.status == "True" then
        hs.status = "Healthy"
        hs.message = "All Tekton components are installed"
      end
    end
  end
end
return hs
`;
