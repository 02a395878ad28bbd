//! `service` and `systemctl` for the services a lab host runs: every host a Sensu client, the
//! gateway (the controller) also the Sensu server, its dashboard and its transport. Restarts
//! are logged to `/var/log/syslog` as systemd logs them.

use super::{Context, Output};

fn installed(ctx: &Context) -> Vec<&'static str> {
    let mut units = vec!["ssh", "cron", "rsyslog", "sensu-client"];
    if ctx.host.name == ctx.model.gateway().name {
        units.extend([
            "sensu-server",
            "sensu-api",
            "uchiwa",
            "rabbitmq-server",
            "redis-server",
        ]);
    }
    units
}

/// `service NAME ACTION`.
pub fn service(ctx: &Context, args: &[String]) -> Output {
    match args {
        [name, action, ..] => control(ctx, action, name),
        [flag] if flag == "--status-all" => {
            let lines: String = installed(ctx).iter().map(|u| format!(" [ + ]  {u}\n")).collect();
            Output::ok(lines)
        }
        _ => Output::fail("Usage: service < option > | --status-all | [ service_name [ command | --full-restart ] ]\n", 1),
    }
}

/// `systemctl ACTION NAME[.service]`.
pub fn systemctl(ctx: &Context, args: &[String]) -> Output {
    let words: Vec<&String> = args.iter().filter(|a| !a.starts_with('-')).collect();
    match words.as_slice() {
        [action, name, ..] => control(ctx, action, name.trim_end_matches(".service")),
        _ => Output::fail("Too few arguments.\n", 1),
    }
}

fn control(ctx: &Context, action: &str, name: &str) -> Output {
    let unit = format!("{name}.service");
    if !matches!(action, "start" | "stop" | "restart" | "status" | "reload") {
        return Output::fail(format!("Unknown operation '{action}'.\n"), 1);
    }
    if !installed(ctx).contains(&name) {
        return match action {
            "status" => Output::fail(format!("Unit {unit} could not be found.\n"), 4),
            _ => Output::fail(
                format!("Failed to {action} {unit}: Unit {unit} not found.\n"),
                5,
            ),
        };
    }
    if action == "status" {
        return Output::ok(format!(
            "● {unit} - {name}\n   Loaded: loaded (/lib/systemd/system/{unit}; enabled; vendor preset: enabled)\n   Active: active (running)\n"
        ));
    }
    if ctx.user != "root" {
        return Output::fail(
            format!("Failed to {action} {unit}: Interactive authentication required.\nSee system logs and 'systemctl status {unit}' for details.\n"),
            1,
        );
    }
    let short = ctx.host.name.split('.').next().unwrap_or(&ctx.host.name);
    let stamp = chrono::Utc::now().format("%b %e %H:%M:%S");
    let events: &[&str] = match action {
        "start" => &["Started"],
        "stop" => &["Stopped"],
        _ => &["Stopped", "Started"],
    };
    for event in events {
        let line = format!("{stamp} {short} systemd[1]: {event} {name}.");
        ctx.fs.append_line(&ctx.host.name, "/var/log/syslog", &line);
    }
    Output::ok("")
}
