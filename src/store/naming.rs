//! The `-y/--inventory` renaming rule (mongo-and-collections.md §3).

/// Logical collections. Those marked unprefixed keep their plain name whatever `-y` says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Logical {
    Inventory,
    Links,
    LinkTypes,
    CliqueTypes,
    CliqueConstraints,
    Cliques,
    MonitoringConfig,
    Scans,
    ScheduledScans,
    Messages,
    EnvironmentsConfig,
    SupportedEnvironments,
    ConnectionTests,
    Constants,
    MonitoringConfigTemplates,
    ApiTokens,
    NetworkAgentTypes,
}

impl Logical {
    pub const ALL: [Logical; 17] = [
        Logical::Inventory,
        Logical::Links,
        Logical::LinkTypes,
        Logical::CliqueTypes,
        Logical::CliqueConstraints,
        Logical::Cliques,
        Logical::MonitoringConfig,
        Logical::Scans,
        Logical::ScheduledScans,
        Logical::Messages,
        Logical::EnvironmentsConfig,
        Logical::SupportedEnvironments,
        Logical::ConnectionTests,
        Logical::Constants,
        Logical::MonitoringConfigTemplates,
        Logical::ApiTokens,
        Logical::NetworkAgentTypes,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Logical::Inventory => "inventory",
            Logical::Links => "links",
            Logical::LinkTypes => "link_types",
            Logical::CliqueTypes => "clique_types",
            Logical::CliqueConstraints => "clique_constraints",
            Logical::Cliques => "cliques",
            Logical::MonitoringConfig => "monitoring_config",
            Logical::Scans => "scans",
            Logical::ScheduledScans => "scheduled_scans",
            Logical::Messages => "messages",
            Logical::EnvironmentsConfig => "environments_config",
            Logical::SupportedEnvironments => "supported_environments",
            Logical::ConnectionTests => "connection_tests",
            Logical::Constants => "constants",
            Logical::MonitoringConfigTemplates => "monitoring_config_templates",
            Logical::ApiTokens => "api_tokens",
            Logical::NetworkAgentTypes => "network_agent_types",
        }
    }

    /// Unprefixed collections are shared by every `-y` name.
    pub fn prefixed(self) -> bool {
        !matches!(
            self,
            Logical::Constants
                | Logical::MonitoringConfigTemplates
                | Logical::ApiTokens
                | Logical::NetworkAgentTypes
        )
    }
}

/// Physical collection names for one `-y` value.
#[derive(Debug, Clone)]
pub struct CollectionNames {
    inventory: String,
}

impl CollectionNames {
    pub fn new(inventory: &str) -> Self {
        let inventory = if inventory.is_empty() {
            "inventory"
        } else {
            inventory
        };
        CollectionNames {
            inventory: inventory.to_string(),
        }
    }

    pub fn inventory_name(&self) -> &str {
        &self.inventory
    }

    pub fn physical(&self, logical: Logical) -> String {
        if logical == Logical::Inventory {
            return self.inventory.clone();
        }
        if !logical.prefixed() {
            return logical.name().to_string();
        }
        if self.inventory.starts_with("inventory") {
            self.inventory.replace("inventory", logical.name())
        } else {
            format!("{}_{}", self.inventory, logical.name())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renaming_rule_examples() {
        let n = |inv: &str, l| CollectionNames::new(inv).physical(l);
        assert_eq!(n("inventory", Logical::Links), "links");
        assert_eq!(n("inventory_test", Logical::Links), "links_test");
        assert_eq!(n("inventoryXinventory", Logical::Links), "linksXlinks");
        assert_eq!(n("RDO", Logical::Links), "RDO_links");
        assert_eq!(n("unit_tests", Logical::Links), "unit_tests_links");
        assert_eq!(n("RDO", Logical::Inventory), "RDO");
        assert_eq!(
            n("RDO", Logical::EnvironmentsConfig),
            "RDO_environments_config"
        );
        assert_eq!(n("RDO", Logical::Messages), "RDO_messages");
        assert_eq!(n("RDO", Logical::Constants), "constants");
        assert_eq!(
            n("RDO", Logical::MonitoringConfigTemplates),
            "monitoring_config_templates"
        );
        assert_eq!(n("", Logical::Cliques), "cliques");
    }
}
