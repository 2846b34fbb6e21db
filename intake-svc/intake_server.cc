// assembled once common/server lands
