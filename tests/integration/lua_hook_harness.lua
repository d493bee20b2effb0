-- Runs docs/FREESWITCH.md's Lua authorize hook as mod_lua would, with the
-- objects it uses played here: `session` (the call's variables; hangup
-- prints "HANGUP <cause>"), `argv`, `freeswitch.consoleLog` and
-- `freeswitch.API():execute("curl", ...)`, which runs the curl command line
-- with --anyauth, as mod_curl's libcurl asks (CURLAUTH_ANY: the URL's
-- user:token only after a challenge naming a scheme it has), honouring its
-- connect-timeout and timeout options, and returns the body as mod_curl does.
-- usage: lua5.3 lua_hook_harness.lua HOOK.lua CALLER DESTINATION UUID
local script, caller, destination, uuid = arg[1], arg[2], arg[3], arg[4]
local vars = {caller_id_number = caller, destination_number = destination, uuid = uuid}

session = {
  getVariable = function(_, name) return vars[name] end,
  setVariable = function(_, name, value) vars[name] = value end,
  hangup = function(_, cause) print("HANGUP " .. cause) end,
}
freeswitch = {
  consoleLog = function(level, message) io.stderr:write(level .. ": " .. message) end,
  API = function()
    return {
      execute = function(_, command, args)
        assert(command == "curl", "the hook runs an API other than curl: " .. command)
        local url = args:match("^(%S+)")
        local connect = args:match("connect%-timeout (%d+)") or "10"
        local total = args:match(" timeout (%d+)") or "30"
        local pipe = io.popen("curl -sS --anyauth --connect-timeout " .. connect .. " --max-time " .. total ..
                              " '" .. url .. "' 2>/dev/null")
        local body = pipe:read("a")
        pipe:close()
        return body
      end,
    }
  end,
}
argv = {[0] = script, [1] = destination}
dofile(script)
print("DONE")
