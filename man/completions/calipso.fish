# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_calipso_global_optspecs
    string join \n h/help V/version
end

function __fish_calipso_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_calipso_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_calipso_using_subcommand
    set -l cmd (__fish_calipso_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c calipso -n "__fish_calipso_needs_command" -s h -l help -d 'Print help'
complete -c calipso -n "__fish_calipso_needs_command" -s V -l version -d 'Print version'
complete -c calipso -n "__fish_calipso_needs_command" -f -a "scan" -d 'Scan an environment (or one object) into the inventory, then find links and cliques'
complete -c calipso -n "__fish_calipso_needs_command" -f -a "env" -d 'Register, list and export environment definitions (environments_config)'
complete -c calipso -n "__fish_calipso_needs_command" -f -a "db" -d 'Load and inspect the reference collections a fresh database needs'
complete -c calipso -n "__fish_calipso_needs_command" -f -a "clique-types" -d 'Import and export clique types'
complete -c calipso -n "__fish_calipso_needs_command" -f -a "graph" -d 'Write a clique or a whole environment as a graph (dot, graphml, json)'
complete -c calipso -n "__fish_calipso_needs_command" -f -a "test-conn" -d 'Test the connections an environment configures, or serve connection_tests requests'
complete -c calipso -n "__fish_calipso_needs_command" -f -a "scan-manager" -d 'Run the scan requests and scheduled scans of the scans collections'
complete -c calipso -n "__fish_calipso_needs_command" -f -a "listen" -d 'Keep the inventory live from OpenStack notifications on AMQP'
complete -c calipso -n "__fish_calipso_needs_command" -f -a "monitor" -d 'Record one Sensu check result (the `osdna-monitor` pipe handler) on its object or link'
complete -c calipso -n "__fish_calipso_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c calipso -n "__fish_calipso_using_subcommand scan" -s m -l mongo_config -d 'Mongo access file (default /local_dir/calipso_mongo_access.conf)' -r
complete -c calipso -n "__fish_calipso_using_subcommand scan" -s y -l inventory -d 'Inventory collection name; renames the companion collections' -r
complete -c calipso -n "__fish_calipso_using_subcommand scan" -s e -l env -d 'Environment name (an environments_config `name`)' -r
complete -c calipso -n "__fish_calipso_using_subcommand scan" -s t -l type -d 'Type of the object to scan (default: the whole environment)' -r
complete -c calipso -n "__fish_calipso_using_subcommand scan" -s i -l id -d 'ID of the object to scan' -r
complete -c calipso -n "__fish_calipso_using_subcommand scan" -s p -l parent_id -d 'ID of the parent of the object to scan' -r
complete -c calipso -n "__fish_calipso_using_subcommand scan" -s a -l parent_type -d 'Type of the parent of the object to scan' -r
complete -c calipso -n "__fish_calipso_using_subcommand scan" -s f -l id_field -d 'Field holding the ID passed to fetchers and matched against -i (use `name` for projects)' -r
complete -c calipso -n "__fish_calipso_using_subcommand scan" -s l -l loglevel -d 'Log level: DEBUG, INFO, WARNING, ERROR or CRITICAL (any case)' -r
complete -c calipso -n "__fish_calipso_using_subcommand scan" -s j -l jobs -d 'How many subtrees of one depth are scanned at the same time' -r
complete -c calipso -n "__fish_calipso_using_subcommand scan" -l output -d '`human`: summary on stderr; `json`: also one JSON line on stdout (for scripts and cron)' -r -f -a "human\t''
json\t''"
complete -c calipso -n "__fish_calipso_using_subcommand scan" -s s -l scan_self -d 'Scan a specific object'
complete -c calipso -n "__fish_calipso_using_subcommand scan" -l clear -d 'Delete this environment\'s documents from the phase\'s collections before scanning'
complete -c calipso -n "__fish_calipso_using_subcommand scan" -l clear_all -d 'Delete all environments\' documents from the phase\'s collections before scanning'
complete -c calipso -n "__fish_calipso_using_subcommand scan" -l monitoring_setup_only -d 'Only do the monitoring setup'
complete -c calipso -n "__fish_calipso_using_subcommand scan" -l inventory_only -d 'Only the inventory phase'
complete -c calipso -n "__fish_calipso_using_subcommand scan" -l links_only -d 'Only the link-finding phase'
complete -c calipso -n "__fish_calipso_using_subcommand scan" -l cliques_only -d 'Only the clique-finding phase'
complete -c calipso -n "__fish_calipso_using_subcommand scan" -l no-progress -d 'Never show a progress bar, even on a terminal'
complete -c calipso -n "__fish_calipso_using_subcommand scan" -s h -l help -d 'Print help'
complete -c calipso -n "__fish_calipso_using_subcommand env; and not __fish_seen_subcommand_from import export validate list help" -s h -l help -d 'Print help'
complete -c calipso -n "__fish_calipso_using_subcommand env; and not __fish_seen_subcommand_from import export validate list help" -f -a "import" -d 'Validate environment documents from a JSON file (`-` = stdin) and write them'
complete -c calipso -n "__fish_calipso_using_subcommand env; and not __fish_seen_subcommand_from import export validate list help" -f -a "export" -d 'Print environment documents as JSON (secrets shown as "********" unless --with-secrets)'
complete -c calipso -n "__fish_calipso_using_subcommand env; and not __fish_seen_subcommand_from import export validate list help" -f -a "validate" -d 'Run the import checks without MongoDB (built-in constants and supported environments)'
complete -c calipso -n "__fish_calipso_using_subcommand env; and not __fish_seen_subcommand_from import export validate list help" -f -a "list" -d 'One line per environment: name, type, distribution, version, drivers, state'
complete -c calipso -n "__fish_calipso_using_subcommand env; and not __fish_seen_subcommand_from import export validate list help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c calipso -n "__fish_calipso_using_subcommand env; and __fish_seen_subcommand_from import" -s m -l mongo_config -d 'Mongo access file (default /local_dir/calipso_mongo_access.conf)' -r
complete -c calipso -n "__fish_calipso_using_subcommand env; and __fish_seen_subcommand_from import" -s y -l inventory -d 'Inventory collection name; renames the companion collections' -r
complete -c calipso -n "__fish_calipso_using_subcommand env; and __fish_seen_subcommand_from import" -l replace -d 'Replace environments that already exist (keeping their _id and runtime state)'
complete -c calipso -n "__fish_calipso_using_subcommand env; and __fish_seen_subcommand_from import" -l dry-run -d 'Check and report what would be written; write nothing'
complete -c calipso -n "__fish_calipso_using_subcommand env; and __fish_seen_subcommand_from import" -l strict -d 'Treat warnings as errors'
complete -c calipso -n "__fish_calipso_using_subcommand env; and __fish_seen_subcommand_from import" -s h -l help -d 'Print help'
complete -c calipso -n "__fish_calipso_using_subcommand env; and __fish_seen_subcommand_from export" -s e -l env -d 'Only this environment' -r
complete -c calipso -n "__fish_calipso_using_subcommand env; and __fish_seen_subcommand_from export" -s o -l output -d 'Write to this file instead of stdout' -r -F
complete -c calipso -n "__fish_calipso_using_subcommand env; and __fish_seen_subcommand_from export" -s m -l mongo_config -d 'Mongo access file (default /local_dir/calipso_mongo_access.conf)' -r
complete -c calipso -n "__fish_calipso_using_subcommand env; and __fish_seen_subcommand_from export" -s y -l inventory -d 'Inventory collection name; renames the companion collections' -r
complete -c calipso -n "__fish_calipso_using_subcommand env; and __fish_seen_subcommand_from export" -l with-secrets -d 'Print passwords and tokens as stored (otherwise "********")'
complete -c calipso -n "__fish_calipso_using_subcommand env; and __fish_seen_subcommand_from export" -s h -l help -d 'Print help'
complete -c calipso -n "__fish_calipso_using_subcommand env; and __fish_seen_subcommand_from validate" -s m -l mongo_config -d 'Mongo access file (default /local_dir/calipso_mongo_access.conf)' -r
complete -c calipso -n "__fish_calipso_using_subcommand env; and __fish_seen_subcommand_from validate" -s y -l inventory -d 'Inventory collection name; renames the companion collections' -r
complete -c calipso -n "__fish_calipso_using_subcommand env; and __fish_seen_subcommand_from validate" -l strict -d 'Treat warnings as errors'
complete -c calipso -n "__fish_calipso_using_subcommand env; and __fish_seen_subcommand_from validate" -s h -l help -d 'Print help'
complete -c calipso -n "__fish_calipso_using_subcommand env; and __fish_seen_subcommand_from list" -s m -l mongo_config -d 'Mongo access file (default /local_dir/calipso_mongo_access.conf)' -r
complete -c calipso -n "__fish_calipso_using_subcommand env; and __fish_seen_subcommand_from list" -s y -l inventory -d 'Inventory collection name; renames the companion collections' -r
complete -c calipso -n "__fish_calipso_using_subcommand env; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c calipso -n "__fish_calipso_using_subcommand env; and __fish_seen_subcommand_from help" -f -a "import" -d 'Validate environment documents from a JSON file (`-` = stdin) and write them'
complete -c calipso -n "__fish_calipso_using_subcommand env; and __fish_seen_subcommand_from help" -f -a "export" -d 'Print environment documents as JSON (secrets shown as "********" unless --with-secrets)'
complete -c calipso -n "__fish_calipso_using_subcommand env; and __fish_seen_subcommand_from help" -f -a "validate" -d 'Run the import checks without MongoDB (built-in constants and supported environments)'
complete -c calipso -n "__fish_calipso_using_subcommand env; and __fish_seen_subcommand_from help" -f -a "list" -d 'One line per environment: name, type, distribution, version, drivers, state'
complete -c calipso -n "__fish_calipso_using_subcommand env; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c calipso -n "__fish_calipso_using_subcommand db; and not __fish_seen_subcommand_from init status help" -s h -l help -d 'Print help'
complete -c calipso -n "__fish_calipso_using_subcommand db; and not __fish_seen_subcommand_from init status help" -f -a "init" -d 'Load the shipped reference data into the database (idempotent) and create indexes'
complete -c calipso -n "__fish_calipso_using_subcommand db; and not __fish_seen_subcommand_from init status help" -f -a "status" -d 'Show which reference collections exist, their document counts and what is missing'
complete -c calipso -n "__fish_calipso_using_subcommand db; and not __fish_seen_subcommand_from init status help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c calipso -n "__fish_calipso_using_subcommand db; and __fish_seen_subcommand_from init" -s m -l mongo_config -d 'Mongo access file (default /local_dir/calipso_mongo_access.conf)' -r
complete -c calipso -n "__fish_calipso_using_subcommand db; and __fish_seen_subcommand_from init" -s y -l inventory -d 'Inventory collection name; renames the companion collections' -r
complete -c calipso -n "__fish_calipso_using_subcommand db; and __fish_seen_subcommand_from init" -l force -d 'Replace stored reference documents by the shipped versions (matched by natural key)'
complete -c calipso -n "__fish_calipso_using_subcommand db; and __fish_seen_subcommand_from init" -s h -l help -d 'Print help'
complete -c calipso -n "__fish_calipso_using_subcommand db; and __fish_seen_subcommand_from status" -s m -l mongo_config -d 'Mongo access file (default /local_dir/calipso_mongo_access.conf)' -r
complete -c calipso -n "__fish_calipso_using_subcommand db; and __fish_seen_subcommand_from status" -s y -l inventory -d 'Inventory collection name; renames the companion collections' -r
complete -c calipso -n "__fish_calipso_using_subcommand db; and __fish_seen_subcommand_from status" -s h -l help -d 'Print help'
complete -c calipso -n "__fish_calipso_using_subcommand db; and __fish_seen_subcommand_from help" -f -a "init" -d 'Load the shipped reference data into the database (idempotent) and create indexes'
complete -c calipso -n "__fish_calipso_using_subcommand db; and __fish_seen_subcommand_from help" -f -a "status" -d 'Show which reference collections exist, their document counts and what is missing'
complete -c calipso -n "__fish_calipso_using_subcommand db; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c calipso -n "__fish_calipso_using_subcommand clique-types; and not __fish_seen_subcommand_from import export help" -s h -l help -d 'Print help'
complete -c calipso -n "__fish_calipso_using_subcommand clique-types; and not __fish_seen_subcommand_from import export help" -f -a "import" -d 'Import clique types from a JSON file (array, single document or JSON Lines; `-` = stdin)'
complete -c calipso -n "__fish_calipso_using_subcommand clique-types; and not __fish_seen_subcommand_from import export help" -f -a "export" -d 'Export clique types as a JSON array'
complete -c calipso -n "__fish_calipso_using_subcommand clique-types; and not __fish_seen_subcommand_from import export help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c calipso -n "__fish_calipso_using_subcommand clique-types; and __fish_seen_subcommand_from import" -s m -l mongo_config -d 'Mongo access file (default /local_dir/calipso_mongo_access.conf)' -r
complete -c calipso -n "__fish_calipso_using_subcommand clique-types; and __fish_seen_subcommand_from import" -s y -l inventory -d 'Inventory collection name; renames the companion collections' -r
complete -c calipso -n "__fish_calipso_using_subcommand clique-types; and __fish_seen_subcommand_from import" -s e -l env -d 'Only documents whose `environment` equals NAME' -r
complete -c calipso -n "__fish_calipso_using_subcommand clique-types; and __fish_seen_subcommand_from import" -s l -l loglevel -d 'Log level (CRITICAL, ERROR, WARNING, INFO, DEBUG)' -r
complete -c calipso -n "__fish_calipso_using_subcommand clique-types; and __fish_seen_subcommand_from import" -l set-env -d 'Set `environment` to NAME on every document before validation' -r
complete -c calipso -n "__fish_calipso_using_subcommand clique-types; and __fish_seen_subcommand_from import" -l dry-run -d 'Validate and report, write nothing'
complete -c calipso -n "__fish_calipso_using_subcommand clique-types; and __fish_seen_subcommand_from import" -l strict -d 'Warnings become errors'
complete -c calipso -n "__fish_calipso_using_subcommand clique-types; and __fish_seen_subcommand_from import" -l prune -d 'Delete the scope\'s stored documents that the file does not match'
complete -c calipso -n "__fish_calipso_using_subcommand clique-types; and __fish_seen_subcommand_from import" -s h -l help -d 'Print help'
complete -c calipso -n "__fish_calipso_using_subcommand clique-types; and __fish_seen_subcommand_from export" -s m -l mongo_config -d 'Mongo access file (default /local_dir/calipso_mongo_access.conf)' -r
complete -c calipso -n "__fish_calipso_using_subcommand clique-types; and __fish_seen_subcommand_from export" -s y -l inventory -d 'Inventory collection name; renames the companion collections' -r
complete -c calipso -n "__fish_calipso_using_subcommand clique-types; and __fish_seen_subcommand_from export" -s e -l env -d 'Only documents whose `environment` equals NAME' -r
complete -c calipso -n "__fish_calipso_using_subcommand clique-types; and __fish_seen_subcommand_from export" -s l -l loglevel -d 'Log level (CRITICAL, ERROR, WARNING, INFO, DEBUG)' -r
complete -c calipso -n "__fish_calipso_using_subcommand clique-types; and __fish_seen_subcommand_from export" -s o -l output -d 'Output file (default stdout)' -r
complete -c calipso -n "__fish_calipso_using_subcommand clique-types; and __fish_seen_subcommand_from export" -l focal-point-type -d 'Only this focal point type' -r
complete -c calipso -n "__fish_calipso_using_subcommand clique-types; and __fish_seen_subcommand_from export" -l with-ids -d 'Include `_id` as {"$oid": …}'
complete -c calipso -n "__fish_calipso_using_subcommand clique-types; and __fish_seen_subcommand_from export" -l effective -d 'The clique type the clique phase would select per focal point type (needs -e)'
complete -c calipso -n "__fish_calipso_using_subcommand clique-types; and __fish_seen_subcommand_from export" -s h -l help -d 'Print help'
complete -c calipso -n "__fish_calipso_using_subcommand clique-types; and __fish_seen_subcommand_from help" -f -a "import" -d 'Import clique types from a JSON file (array, single document or JSON Lines; `-` = stdin)'
complete -c calipso -n "__fish_calipso_using_subcommand clique-types; and __fish_seen_subcommand_from help" -f -a "export" -d 'Export clique types as a JSON array'
complete -c calipso -n "__fish_calipso_using_subcommand clique-types; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c calipso -n "__fish_calipso_using_subcommand graph" -s m -l mongo_config -d 'Mongo access file (default /local_dir/calipso_mongo_access.conf)' -r
complete -c calipso -n "__fish_calipso_using_subcommand graph" -s y -l inventory -d 'Inventory collection name; renames the companion collections' -r
complete -c calipso -n "__fish_calipso_using_subcommand graph" -s e -l env -d 'Environment name' -r
complete -c calipso -n "__fish_calipso_using_subcommand graph" -l focal-point -d 'The clique of this focal point (inventory `id`, or `_id` hex)' -r
complete -c calipso -n "__fish_calipso_using_subcommand graph" -l format -d 'Output format' -r -f -a "dot\t''
graphml\t''
json\t''"
complete -c calipso -n "__fish_calipso_using_subcommand graph" -s o -l output -d 'Output file (default stdout)' -r
complete -c calipso -n "__fish_calipso_using_subcommand graph" -l all -d 'Every link of the environment'
complete -c calipso -n "__fish_calipso_using_subcommand graph" -l implicit -d 'With --all: include implicit links (drawn dashed in DOT)'
complete -c calipso -n "__fish_calipso_using_subcommand graph" -s h -l help -d 'Print help'
complete -c calipso -n "__fish_calipso_using_subcommand test-conn" -s m -l mongo_config -d 'Mongo access file (default /local_dir/calipso_mongo_access.conf)' -r
complete -c calipso -n "__fish_calipso_using_subcommand test-conn" -s y -l inventory -d 'Inventory collection name; renames the companion collections' -r
complete -c calipso -n "__fish_calipso_using_subcommand test-conn" -s e -l env -d 'Environment whose configuration is tested' -r
complete -c calipso -n "__fish_calipso_using_subcommand test-conn" -l config -d 'Test the configuration of an environment JSON file instead (MongoDB is not contacted)' -r
complete -c calipso -n "__fish_calipso_using_subcommand test-conn" -s t -l target -d 'Target to test (repeatable)' -r
complete -c calipso -n "__fish_calipso_using_subcommand test-conn" -l timeout -d 'Connect timeout per network operation, in seconds' -r
complete -c calipso -n "__fish_calipso_using_subcommand test-conn" -l output -d 'Result format' -r -f -a "text\t''
json\t''"
complete -c calipso -n "__fish_calipso_using_subcommand test-conn" -s l -l loglevel -d 'Log level: DEBUG, INFO, WARNING, ERROR or CRITICAL' -r
complete -c calipso -n "__fish_calipso_using_subcommand test-conn" -s i -l interval -d 'Daemon mode: seconds to sleep when idle (minimum 0.1)' -r
complete -c calipso -n "__fish_calipso_using_subcommand test-conn" -l connection_tests_collection -d 'Daemon mode: collection polled for requests' -r
complete -c calipso -n "__fish_calipso_using_subcommand test-conn" -l environments_collection -d 'Daemon mode: collection whose `operational` is set when every target passed' -r
complete -c calipso -n "__fish_calipso_using_subcommand test-conn" -l deep -d 'Also run `uname -n` over SSH for CLI'
complete -c calipso -n "__fish_calipso_using_subcommand test-conn" -l daemon -d 'Serve connection_tests requests'
complete -c calipso -n "__fish_calipso_using_subcommand test-conn" -l once -d 'Daemon mode: process every pending request, then exit'
complete -c calipso -n "__fish_calipso_using_subcommand test-conn" -s h -l help -d 'Print help'
complete -c calipso -n "__fish_calipso_using_subcommand scan-manager" -s m -l mongo_config -d 'Mongo access file (default /local_dir/calipso_mongo_access.conf)' -r
complete -c calipso -n "__fish_calipso_using_subcommand scan-manager" -s c -l scans_collection -d 'Collection of scan requests' -r
complete -c calipso -n "__fish_calipso_using_subcommand scan-manager" -s s -l scheduled_scans_collection -d 'Collection of scheduled scans' -r
complete -c calipso -n "__fish_calipso_using_subcommand scan-manager" -l environments_collection -d 'Collection where `scanned` and `last_scanned` are written' -r
complete -c calipso -n "__fish_calipso_using_subcommand scan-manager" -s i -l interval -d 'Seconds to sleep when no request is pending (minimum 0.1)' -r
complete -c calipso -n "__fish_calipso_using_subcommand scan-manager" -s l -l loglevel -d 'Manager log level (each scan uses its request\'s log_level)' -r
complete -c calipso -n "__fish_calipso_using_subcommand scan-manager" -s d -l log_directory -d 'Directory of file logs (accepted for compatibility; logs go to stderr and `messages`)' -r
complete -c calipso -n "__fish_calipso_using_subcommand scan-manager" -l once -d 'Process due schedules, run every pending request, then exit'
complete -c calipso -n "__fish_calipso_using_subcommand scan-manager" -l no-schedules -d 'Do not read scheduled_scans (cron drives the schedule)'
complete -c calipso -n "__fish_calipso_using_subcommand scan-manager" -l list-schedules -d 'Print each schedule and exit'
complete -c calipso -n "__fish_calipso_using_subcommand scan-manager" -s h -l help -d 'Print help'
complete -c calipso -n "__fish_calipso_using_subcommand listen" -s m -l mongo_config -d 'Mongo access file (default /local_dir/calipso_mongo_access.conf)' -r
complete -c calipso -n "__fish_calipso_using_subcommand listen" -s y -l inventory -d 'Inventory collection name; renames the companion collections' -r
complete -c calipso -n "__fish_calipso_using_subcommand listen" -s e -l env -d 'Environment name (an environments_config `name`)' -r
complete -c calipso -n "__fish_calipso_using_subcommand listen" -s i -l interval -d 'With --all: seconds between polls of environments_config' -r
complete -c calipso -n "__fish_calipso_using_subcommand listen" -l metadata_file -d 'Extra event metadata file, merged over the common events.json' -r
complete -c calipso -n "__fish_calipso_using_subcommand listen" -s l -l loglevel -d 'Log level: DEBUG, INFO, WARNING, ERROR or CRITICAL (any case)' -r
complete -c calipso -n "__fish_calipso_using_subcommand listen" -s r -l retry_limit -d 'How many times a message whose object is not there yet is retried before it is discarded' -r
complete -c calipso -n "__fish_calipso_using_subcommand listen" -l max-events -d 'Stop after N messages (tests, benchmarks)' -r
complete -c calipso -n "__fish_calipso_using_subcommand listen" -l idle-exit -d 'Stop when no message arrived for SECS seconds (tests)' -r
complete -c calipso -n "__fish_calipso_using_subcommand listen" -s j -l jobs -d 'How many subtrees a partial rescan scans at the same time' -r
complete -c calipso -n "__fish_calipso_using_subcommand listen" -l all -d 'Listen to every environment with `listen: true` and `scanned: true` (one child per env)'
complete -c calipso -n "__fish_calipso_using_subcommand listen" -l consume_all -d 'Reject (dead-letter) messages without a handler instead of acknowledging them'
complete -c calipso -n "__fish_calipso_using_subcommand listen" -l once -d 'Stop after one message (tests)'
complete -c calipso -n "__fish_calipso_using_subcommand listen" -s h -l help -d 'Print help'
complete -c calipso -n "__fish_calipso_using_subcommand monitor" -s m -l mongo_config -d 'Mongo access file (default /local_dir/calipso_mongo_access.conf)' -r
complete -c calipso -n "__fish_calipso_using_subcommand monitor" -s e -l env -d 'Environment name (the event\'s client.environment takes precedence)' -r
complete -c calipso -n "__fish_calipso_using_subcommand monitor" -s y -l inventory -d 'Inventory collection name; renames the companion collections' -r
complete -c calipso -n "__fish_calipso_using_subcommand monitor" -s i -l inputfile -d 'Read the check result from this file instead of stdin' -r
complete -c calipso -n "__fish_calipso_using_subcommand monitor" -s l -l loglevel -d 'Log level: DEBUG, INFO, WARNING, ERROR or CRITICAL (any case)' -r
complete -c calipso -n "__fish_calipso_using_subcommand monitor" -s h -l help -d 'Print help'
complete -c calipso -n "__fish_calipso_using_subcommand help; and not __fish_seen_subcommand_from scan env db clique-types graph test-conn scan-manager listen monitor help" -f -a "scan" -d 'Scan an environment (or one object) into the inventory, then find links and cliques'
complete -c calipso -n "__fish_calipso_using_subcommand help; and not __fish_seen_subcommand_from scan env db clique-types graph test-conn scan-manager listen monitor help" -f -a "env" -d 'Register, list and export environment definitions (environments_config)'
complete -c calipso -n "__fish_calipso_using_subcommand help; and not __fish_seen_subcommand_from scan env db clique-types graph test-conn scan-manager listen monitor help" -f -a "db" -d 'Load and inspect the reference collections a fresh database needs'
complete -c calipso -n "__fish_calipso_using_subcommand help; and not __fish_seen_subcommand_from scan env db clique-types graph test-conn scan-manager listen monitor help" -f -a "clique-types" -d 'Import and export clique types'
complete -c calipso -n "__fish_calipso_using_subcommand help; and not __fish_seen_subcommand_from scan env db clique-types graph test-conn scan-manager listen monitor help" -f -a "graph" -d 'Write a clique or a whole environment as a graph (dot, graphml, json)'
complete -c calipso -n "__fish_calipso_using_subcommand help; and not __fish_seen_subcommand_from scan env db clique-types graph test-conn scan-manager listen monitor help" -f -a "test-conn" -d 'Test the connections an environment configures, or serve connection_tests requests'
complete -c calipso -n "__fish_calipso_using_subcommand help; and not __fish_seen_subcommand_from scan env db clique-types graph test-conn scan-manager listen monitor help" -f -a "scan-manager" -d 'Run the scan requests and scheduled scans of the scans collections'
complete -c calipso -n "__fish_calipso_using_subcommand help; and not __fish_seen_subcommand_from scan env db clique-types graph test-conn scan-manager listen monitor help" -f -a "listen" -d 'Keep the inventory live from OpenStack notifications on AMQP'
complete -c calipso -n "__fish_calipso_using_subcommand help; and not __fish_seen_subcommand_from scan env db clique-types graph test-conn scan-manager listen monitor help" -f -a "monitor" -d 'Record one Sensu check result (the `osdna-monitor` pipe handler) on its object or link'
complete -c calipso -n "__fish_calipso_using_subcommand help; and not __fish_seen_subcommand_from scan env db clique-types graph test-conn scan-manager listen monitor help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c calipso -n "__fish_calipso_using_subcommand help; and __fish_seen_subcommand_from env" -f -a "import" -d 'Validate environment documents from a JSON file (`-` = stdin) and write them'
complete -c calipso -n "__fish_calipso_using_subcommand help; and __fish_seen_subcommand_from env" -f -a "export" -d 'Print environment documents as JSON (secrets shown as "********" unless --with-secrets)'
complete -c calipso -n "__fish_calipso_using_subcommand help; and __fish_seen_subcommand_from env" -f -a "validate" -d 'Run the import checks without MongoDB (built-in constants and supported environments)'
complete -c calipso -n "__fish_calipso_using_subcommand help; and __fish_seen_subcommand_from env" -f -a "list" -d 'One line per environment: name, type, distribution, version, drivers, state'
complete -c calipso -n "__fish_calipso_using_subcommand help; and __fish_seen_subcommand_from db" -f -a "init" -d 'Load the shipped reference data into the database (idempotent) and create indexes'
complete -c calipso -n "__fish_calipso_using_subcommand help; and __fish_seen_subcommand_from db" -f -a "status" -d 'Show which reference collections exist, their document counts and what is missing'
complete -c calipso -n "__fish_calipso_using_subcommand help; and __fish_seen_subcommand_from clique-types" -f -a "import" -d 'Import clique types from a JSON file (array, single document or JSON Lines; `-` = stdin)'
complete -c calipso -n "__fish_calipso_using_subcommand help; and __fish_seen_subcommand_from clique-types" -f -a "export" -d 'Export clique types as a JSON array'
