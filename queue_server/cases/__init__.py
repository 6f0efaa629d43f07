"""Cases (办件): intake at the comprehensive window, approval by the departments, pickup, documents."""
