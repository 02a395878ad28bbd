//! Tables of an Ocata-era install, with the real column names and types (trimmed to the
//! columns a scanner or an operator would look at; every column a Calipso query names is here).

pub const NOVA: &[&str] = &[
    "CREATE TABLE instances (
  created_at DATETIME NULL, updated_at DATETIME NULL, deleted_at DATETIME NULL,
  id INT(11) NOT NULL AUTO_INCREMENT,
  user_id VARCHAR(255) NULL, project_id VARCHAR(255) NULL, image_ref VARCHAR(255) NULL,
  launch_index INT(11) NULL, key_name VARCHAR(255) NULL,
  power_state INT(11) NULL, vm_state VARCHAR(255) NULL, task_state VARCHAR(255) NULL,
  memory_mb INT(11) NULL, vcpus INT(11) NULL, root_gb INT(11) NULL, ephemeral_gb INT(11) NULL,
  hostname VARCHAR(255) NULL, host VARCHAR(255) NULL, node VARCHAR(255) NULL,
  reservation_id VARCHAR(255) NULL, launched_at DATETIME NULL, terminated_at DATETIME NULL,
  display_name VARCHAR(255) NULL, display_description VARCHAR(255) NULL,
  availability_zone VARCHAR(255) NULL, locked TINYINT(1) NULL, os_type VARCHAR(255) NULL,
  launched_on MEDIUMTEXT NULL, instance_type_id INT(11) NULL, vm_mode VARCHAR(255) NULL,
  uuid VARCHAR(36) NOT NULL, architecture VARCHAR(255) NULL, root_device_name VARCHAR(255) NULL,
  access_ip_v4 VARCHAR(39) NULL, access_ip_v6 VARCHAR(39) NULL, config_drive VARCHAR(255) NULL,
  progress INT(11) NULL, auto_disk_config TINYINT(1) NULL, shutdown_terminate TINYINT(1) NULL,
  disable_terminate TINYINT(1) NULL, cell_name VARCHAR(255) NULL,
  deleted INT(11) NULL, locked_by ENUM('owner','admin') NULL, cleaned INT(11) NULL,
  PRIMARY KEY (id), UNIQUE KEY uniq_instances0uuid (uuid),
  KEY instances_host_deleted_idx (host, deleted), KEY instances_project_id_deleted_idx (project_id, deleted)
) ENGINE=InnoDB DEFAULT CHARSET=utf8",
    "CREATE TABLE instance_info_caches (
  created_at DATETIME NULL, updated_at DATETIME NULL, deleted_at DATETIME NULL,
  id INT(11) NOT NULL AUTO_INCREMENT, network_info MEDIUMTEXT NULL,
  instance_uuid VARCHAR(36) NOT NULL, deleted INT(11) NULL,
  PRIMARY KEY (id), UNIQUE KEY uniq_instance_info_caches0instance_uuid (instance_uuid)
) ENGINE=InnoDB DEFAULT CHARSET=utf8",
    "CREATE TABLE compute_nodes (
  created_at DATETIME NULL, updated_at DATETIME NULL, deleted_at DATETIME NULL,
  id INT(11) NOT NULL AUTO_INCREMENT, service_id INT(11) NULL,
  vcpus INT(11) NOT NULL, memory_mb INT(11) NOT NULL, local_gb INT(11) NOT NULL,
  vcpus_used INT(11) NOT NULL, memory_mb_used INT(11) NOT NULL, local_gb_used INT(11) NOT NULL,
  hypervisor_type MEDIUMTEXT NOT NULL, hypervisor_version INT(11) NOT NULL, cpu_info MEDIUMTEXT NOT NULL,
  disk_available_least INT(11) NULL, free_ram_mb INT(11) NULL, free_disk_gb INT(11) NULL,
  current_workload INT(11) NULL, running_vms INT(11) NULL,
  hypervisor_hostname VARCHAR(255) NULL, deleted INT(11) NULL, host_ip VARCHAR(39) NULL,
  supported_instances TEXT NULL, pci_stats TEXT NULL, metrics TEXT NULL, extra_resources TEXT NULL,
  stats TEXT NULL, numa_topology TEXT NULL, host VARCHAR(255) NULL,
  ram_allocation_ratio FLOAT NULL, cpu_allocation_ratio FLOAT NULL, uuid VARCHAR(36) NULL,
  disk_allocation_ratio FLOAT NULL,
  PRIMARY KEY (id), UNIQUE KEY uniq_compute_nodes0host0hypervisor_hostname0deleted (host, hypervisor_hostname, deleted)
) ENGINE=InnoDB DEFAULT CHARSET=utf8",
    "CREATE TABLE services (
  created_at DATETIME NULL, updated_at DATETIME NULL, deleted_at DATETIME NULL,
  id INT(11) NOT NULL AUTO_INCREMENT, host VARCHAR(255) NULL, `binary` VARCHAR(255) NULL,
  topic VARCHAR(255) NULL, report_count INT(11) NOT NULL, disabled TINYINT(1) NULL,
  deleted INT(11) NULL, disabled_reason VARCHAR(255) NULL, last_seen_up DATETIME NULL,
  forced_down TINYINT(1) NULL, version INT(11) NULL, uuid VARCHAR(36) NULL,
  PRIMARY KEY (id), UNIQUE KEY uniq_services0host0topic0deleted (host, topic, deleted)
) ENGINE=InnoDB DEFAULT CHARSET=utf8",
    "CREATE TABLE aggregates (
  created_at DATETIME NULL, updated_at DATETIME NULL, deleted_at DATETIME NULL,
  id INT(11) NOT NULL AUTO_INCREMENT, name VARCHAR(255) NULL, deleted INT(11) NULL,
  uuid VARCHAR(36) NULL,
  PRIMARY KEY (id), KEY aggregate_uuid_idx (uuid)
) ENGINE=InnoDB DEFAULT CHARSET=utf8",
    "CREATE TABLE aggregate_hosts (
  created_at DATETIME NULL, updated_at DATETIME NULL, deleted_at DATETIME NULL,
  id INT(11) NOT NULL AUTO_INCREMENT, host VARCHAR(255) NULL, aggregate_id INT(11) NOT NULL,
  deleted INT(11) NULL,
  PRIMARY KEY (id), UNIQUE KEY uniq_aggregate_hosts0host0aggregate_id0deleted (host, aggregate_id, deleted)
) ENGINE=InnoDB DEFAULT CHARSET=utf8",
    "CREATE TABLE aggregate_metadata (
  created_at DATETIME NULL, updated_at DATETIME NULL, deleted_at DATETIME NULL,
  id INT(11) NOT NULL AUTO_INCREMENT, aggregate_id INT(11) NOT NULL, `key` VARCHAR(255) NOT NULL,
  value VARCHAR(255) NOT NULL, deleted INT(11) NULL,
  PRIMARY KEY (id), KEY aggregate_metadata_key_idx (`key`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8",
];

pub const KEYSTONE: &[&str] = &["CREATE TABLE project (
  id VARCHAR(64) NOT NULL, name VARCHAR(64) NOT NULL, extra TEXT NULL, description TEXT NULL,
  enabled TINYINT(1) NULL, domain_id VARCHAR(64) NOT NULL, parent_id VARCHAR(64) NULL,
  is_domain TINYINT(1) NOT NULL DEFAULT 0,
  PRIMARY KEY (id), UNIQUE KEY ixu_project_name_domain_id (domain_id, name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8"];

pub const NEUTRON: &[&str] = &[
    "CREATE TABLE standardattributes (
  id BIGINT(20) NOT NULL AUTO_INCREMENT, resource_type VARCHAR(255) NOT NULL,
  created_at DATETIME NULL, updated_at DATETIME NULL, description VARCHAR(255) NULL,
  revision_number BIGINT(20) NOT NULL DEFAULT 0,
  PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8",
    "CREATE TABLE agents (
  id VARCHAR(36) NOT NULL, agent_type VARCHAR(255) NOT NULL, `binary` VARCHAR(255) NOT NULL,
  topic VARCHAR(255) NOT NULL, host VARCHAR(255) NOT NULL,
  admin_state_up TINYINT(1) NOT NULL DEFAULT 1, created_at DATETIME NOT NULL,
  started_at DATETIME NOT NULL, heartbeat_timestamp DATETIME NOT NULL,
  description VARCHAR(255) NULL, configurations VARCHAR(4095) NOT NULL,
  `load` INT(11) NOT NULL DEFAULT 0, availability_zone VARCHAR(255) NULL,
  resource_versions VARCHAR(8191) NULL, resources_synced TINYINT(1) NULL,
  PRIMARY KEY (id), UNIQUE KEY uniq_agents0agent_type0host (agent_type, host)
) ENGINE=InnoDB DEFAULT CHARSET=utf8",
    "CREATE TABLE networks (
  project_id VARCHAR(255) NULL, id VARCHAR(36) NOT NULL, name VARCHAR(255) NULL,
  status VARCHAR(16) NULL, admin_state_up TINYINT(1) NULL, vlan_transparent TINYINT(1) NULL,
  standard_attr_id BIGINT(20) NOT NULL, availability_zone_hints VARCHAR(255) NULL,
  mtu INT(11) NOT NULL DEFAULT 1500,
  PRIMARY KEY (id), UNIQUE KEY uniq_networks0standard_attr_id (standard_attr_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8",
    "CREATE TABLE externalnetworks (
  network_id VARCHAR(36) NOT NULL, is_default TINYINT(1) NOT NULL DEFAULT 0,
  PRIMARY KEY (network_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8",
    "CREATE TABLE networksegments (
  id VARCHAR(36) NOT NULL, network_id VARCHAR(36) NOT NULL, network_type VARCHAR(32) NOT NULL,
  physical_network VARCHAR(64) NULL, segmentation_id INT(11) NULL,
  is_dynamic TINYINT(1) NOT NULL DEFAULT 0, segment_index INT(11) NOT NULL DEFAULT 0,
  standard_attr_id BIGINT(20) NOT NULL, name VARCHAR(255) NULL,
  PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8",
    "CREATE TABLE subnets (
  project_id VARCHAR(255) NULL, id VARCHAR(36) NOT NULL, name VARCHAR(255) NULL,
  network_id VARCHAR(36) NULL, ip_version INT(11) NOT NULL, cidr VARCHAR(64) NOT NULL,
  gateway_ip VARCHAR(64) NULL, enable_dhcp TINYINT(1) NULL,
  ipv6_ra_mode ENUM('slaac','dhcpv6-stateful','dhcpv6-stateless') NULL,
  ipv6_address_mode ENUM('slaac','dhcpv6-stateful','dhcpv6-stateless') NULL,
  subnetpool_id VARCHAR(36) NULL, standard_attr_id BIGINT(20) NOT NULL, segment_id VARCHAR(36) NULL,
  PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8",
    "CREATE TABLE ipallocationpools (
  id VARCHAR(36) NOT NULL, subnet_id VARCHAR(36) NULL, first_ip VARCHAR(64) NOT NULL,
  last_ip VARCHAR(64) NOT NULL,
  PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8",
    "CREATE TABLE ports (
  project_id VARCHAR(255) NULL, id VARCHAR(36) NOT NULL, name VARCHAR(255) NULL,
  network_id VARCHAR(36) NOT NULL, mac_address VARCHAR(32) NOT NULL,
  admin_state_up TINYINT(1) NOT NULL, status VARCHAR(16) NOT NULL,
  device_id VARCHAR(255) NOT NULL, device_owner VARCHAR(255) NOT NULL,
  standard_attr_id BIGINT(20) NOT NULL, ip_allocation VARCHAR(16) NULL,
  PRIMARY KEY (id), UNIQUE KEY uniq_ports0network_id0mac_address (network_id, mac_address),
  KEY ix_ports_device_owner (device_owner)
) ENGINE=InnoDB DEFAULT CHARSET=utf8",
    "CREATE TABLE ipallocations (
  port_id VARCHAR(36) NULL, ip_address VARCHAR(64) NOT NULL, subnet_id VARCHAR(36) NOT NULL,
  network_id VARCHAR(36) NOT NULL,
  PRIMARY KEY (ip_address, subnet_id, network_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8",
    "CREATE TABLE ml2_port_bindings (
  port_id VARCHAR(36) NOT NULL, host VARCHAR(255) NOT NULL DEFAULT '',
  vif_type VARCHAR(64) NOT NULL, vnic_type VARCHAR(64) NOT NULL DEFAULT 'normal',
  profile VARCHAR(4095) NOT NULL DEFAULT '', vif_details VARCHAR(4095) NOT NULL DEFAULT '',
  PRIMARY KEY (port_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8",
    "CREATE TABLE routers (
  project_id VARCHAR(255) NULL, id VARCHAR(36) NOT NULL, name VARCHAR(255) NULL,
  status VARCHAR(16) NULL, admin_state_up TINYINT(1) NULL, gw_port_id VARCHAR(36) NULL,
  enable_snat TINYINT(1) NOT NULL DEFAULT 1, standard_attr_id BIGINT(20) NOT NULL,
  flavor_id VARCHAR(36) NULL,
  PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8",
    "CREATE TABLE routerports (
  router_id VARCHAR(36) NOT NULL, port_id VARCHAR(36) NOT NULL, port_type VARCHAR(255) NULL,
  PRIMARY KEY (router_id, port_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8",
    "CREATE TABLE ml2_vxlan_endpoints (
  ip_address VARCHAR(64) NOT NULL, udp_port INT(11) NOT NULL, host VARCHAR(255) NULL,
  PRIMARY KEY (ip_address), UNIQUE KEY unique_ml2_vxlan_endpoints0host (host)
) ENGINE=InnoDB DEFAULT CHARSET=utf8",
    "CREATE TABLE ml2_gre_endpoints (
  ip_address VARCHAR(64) NOT NULL, host VARCHAR(255) NULL,
  PRIMARY KEY (ip_address), UNIQUE KEY unique_ml2_gre_endpoints0host (host)
) ENGINE=InnoDB DEFAULT CHARSET=utf8",
];
