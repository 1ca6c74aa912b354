console.log('bench harness arrives next');
